import { describe, expect, it } from 'vitest';
import {
  batchSettingsFromEnv,
  samplerFromEnv,
  tracingConfigFromEnv,
  TracingConfigError,
} from './tracing-config';

describe('tracingConfigFromEnv', () => {
  it('is off without an OTLP endpoint, or when disabled explicitly', () => {
    expect(tracingConfigFromEnv('gateway', {})).toMatchObject({ enabled: false });
    expect(tracingConfigFromEnv('gateway', { OTEL_EXPORTER_OTLP_ENDPOINT: '  ' })).toMatchObject({
      enabled: false,
    });
    const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' };
    expect(tracingConfigFromEnv('gateway', { ...endpoint, OTEL_SDK_DISABLED: 'true' })).toEqual({
      enabled: false,
      reason: 'OTEL_SDK_DISABLED=true',
    });
    expect(tracingConfigFromEnv('gateway', { ...endpoint, OTEL_TRACES_EXPORTER: 'none' })).toEqual({
      enabled: false,
      reason: 'OTEL_TRACES_EXPORTER=none',
    });
  });

  it('appends /v1/traces to the base endpoint; takes the traces endpoint as it is', () => {
    expect(
      tracingConfigFromEnv('gateway', { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' }),
    ).toMatchObject({ enabled: true, tracesUrl: 'http://collector:4318/v1/traces', serviceName: 'gateway' });
    expect(
      tracingConfigFromEnv('gateway', {
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://traces.example/otlp',
        OTEL_SERVICE_NAME: 'edge-gateway',
      }),
    ).toMatchObject({ tracesUrl: 'https://traces.example/otlp', serviceName: 'edge-gateway' });
  });

  it('names the variable that is wrong', () => {
    const bad = (env: Record<string, string>) => () => tracingConfigFromEnv('x', env);
    expect(bad({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' })).toThrow(/OTEL_EXPORTER_OTLP_ENDPOINT/);
    expect(bad({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'not a url' })).toThrow(TracingConfigError);
    expect(bad({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_TRACES_EXPORTER: 'zipkin' })).toThrow(
      /OTEL_TRACES_EXPORTER/,
    );
    expect(
      bad({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }),
    ).toThrow(/only http\/protobuf/);
    expect(bad({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_TRACES_SAMPLER: 'sometimes' })).toThrow(
      /OTEL_TRACES_SAMPLER must be one of/,
    );
    expect(
      bad({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318',
        OTEL_TRACES_SAMPLER: 'traceidratio',
        OTEL_TRACES_SAMPLER_ARG: '2',
      }),
    ).toThrow(/OTEL_TRACES_SAMPLER_ARG/);
  });
});

describe('batchSettingsFromEnv', () => {
  it('has defaults and reads OTEL_BSP_*', () => {
    expect(batchSettingsFromEnv({})).toEqual({
      maxQueueSize: 2048,
      maxExportBatchSize: 512,
      scheduledDelayMillis: 1000,
    });
    expect(
      batchSettingsFromEnv({ OTEL_BSP_MAX_QUEUE_SIZE: '10000', OTEL_BSP_SCHEDULE_DELAY: '5000' }),
    ).toEqual({ maxQueueSize: 10000, maxExportBatchSize: 512, scheduledDelayMillis: 5000 });
    expect(() => batchSettingsFromEnv({ OTEL_BSP_SCHEDULE_DELAY: '-1' })).toThrow(/OTEL_BSP_SCHEDULE_DELAY/);
    expect(() => batchSettingsFromEnv({ OTEL_BSP_MAX_QUEUE_SIZE: '100' })).toThrow(/must not exceed/);
  });
});

describe('samplerFromEnv', () => {
  it('defaults to parentbased_always_on and reads the ratio', () => {
    expect(samplerFromEnv({}).name).toBe('parentbased_always_on');
    expect(samplerFromEnv({}).sampler.toString()).toMatch(/ParentBased\{root=AlwaysOnSampler/);
    const ratio = samplerFromEnv({
      OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '0.25',
    });
    expect(ratio.sampler.toString()).toContain('TraceIdRatioBased{0.25}');
    expect(samplerFromEnv({ OTEL_TRACES_SAMPLER: 'ALWAYS_OFF' }).sampler.toString()).toBe('AlwaysOffSampler');
  });
});
