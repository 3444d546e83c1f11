// Which tracing a process runs, decided from the standard OpenTelemetry environment variables only, so operators
// configure every service the same way (and any OpenTelemetry-aware platform's injected variables just work).
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  type Sampler,
} from '@opentelemetry/sdk-trace';

export type TracingEnv = Record<string, string | undefined>;

/** Batch span processor settings (OTEL_BSP_*). */
export interface BatchSettings {
  /** Spans waiting for export; more are dropped (counted, never blocking the service). */
  maxQueueSize: number;
  maxExportBatchSize: number;
  /** Delay between exports in ms (default 1000 here, not the SDK's 5000: traces show up while one looks). */
  scheduledDelayMillis: number;
}

export type TracingConfig =
  | { enabled: false; reason: string }
  | {
      enabled: true;
      serviceName: string;
      tracesUrl: string;
      sampler: Sampler;
      samplerName: string;
      batch: BatchSettings;
    };

/** A tracing variable with a value we cannot use: the message names the variable and what it accepts. */
export class TracingConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TracingConfigError';
  }
}

const SAMPLERS = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
] as const;

const value = (env: TracingEnv, name: string): string | undefined => {
  const v = env[name]?.trim();
  return v ? v : undefined;
};

function ratio(env: TracingEnv): number {
  const raw = value(env, 'OTEL_TRACES_SAMPLER_ARG');
  if (raw === undefined) return 1;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0 || n > 1)
    throw new TracingConfigError(`OTEL_TRACES_SAMPLER_ARG must be a number from 0 to 1 (got "${raw}")`);
  return n;
}

/** OTEL_TRACES_SAMPLER (+ _ARG) as the specification defines it; default parentbased_always_on. */
export function samplerFromEnv(env: TracingEnv): { sampler: Sampler; name: string } {
  const name = (value(env, 'OTEL_TRACES_SAMPLER') ?? 'parentbased_always_on').toLowerCase();
  switch (name) {
    case 'always_on':
      return { name, sampler: new AlwaysOnSampler() };
    case 'always_off':
      return { name, sampler: new AlwaysOffSampler() };
    case 'traceidratio':
      return { name, sampler: new TraceIdRatioBasedSampler(ratio(env)) };
    case 'parentbased_always_on':
      return { name, sampler: new ParentBasedSampler({ root: new AlwaysOnSampler() }) };
    case 'parentbased_always_off':
      return { name, sampler: new ParentBasedSampler({ root: new AlwaysOffSampler() }) };
    case 'parentbased_traceidratio':
      return { name, sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio(env)) }) };
    default:
      throw new TracingConfigError(
        `OTEL_TRACES_SAMPLER must be one of ${SAMPLERS.join(', ')} (got "${name}")`,
      );
  }
}

function positiveInt(env: TracingEnv, name: string, fallback: number): number {
  const raw = value(env, name);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1)
    throw new TracingConfigError(`${name} must be a positive integer (got "${raw}")`);
  return n;
}

/** OTEL_BSP_MAX_QUEUE_SIZE, OTEL_BSP_MAX_EXPORT_BATCH_SIZE, OTEL_BSP_SCHEDULE_DELAY (the SDK no longer reads them). */
export function batchSettingsFromEnv(env: TracingEnv): BatchSettings {
  const maxQueueSize = positiveInt(env, 'OTEL_BSP_MAX_QUEUE_SIZE', 2048);
  const maxExportBatchSize = positiveInt(env, 'OTEL_BSP_MAX_EXPORT_BATCH_SIZE', 512);
  if (maxExportBatchSize > maxQueueSize)
    throw new TracingConfigError('OTEL_BSP_MAX_EXPORT_BATCH_SIZE must not exceed OTEL_BSP_MAX_QUEUE_SIZE');
  return {
    maxQueueSize,
    maxExportBatchSize,
    scheduledDelayMillis: positiveInt(env, 'OTEL_BSP_SCHEDULE_DELAY', 1_000),
  };
}

function checkedUrl(name: string, raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new TracingConfigError(`${name} must be an http(s) URL (got "${raw}")`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new TracingConfigError(`${name} must be an http(s) URL (got "${raw}")`);
  return raw;
}

/**
 * Tracing is on only when an OTLP endpoint is configured: without one there is nowhere to send spans, and a
 * process must not try localhost:4318 by surprise. OTEL_SDK_DISABLED=true or OTEL_TRACES_EXPORTER=none turn it off.
 * The traces URL follows the OTLP/HTTP rule: the signal endpoint as given, or the base endpoint + `/v1/traces`.
 */
export function tracingConfigFromEnv(
  defaultServiceName: string,
  env: TracingEnv = process.env,
): TracingConfig {
  if (value(env, 'OTEL_SDK_DISABLED')?.toLowerCase() === 'true')
    return { enabled: false, reason: 'OTEL_SDK_DISABLED=true' };
  const exporter = value(env, 'OTEL_TRACES_EXPORTER')?.toLowerCase();
  if (exporter === 'none') return { enabled: false, reason: 'OTEL_TRACES_EXPORTER=none' };
  if (exporter !== undefined && exporter !== 'otlp')
    throw new TracingConfigError(`OTEL_TRACES_EXPORTER must be otlp or none (got "${exporter}")`);
  const protocol =
    value(env, 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL') ?? value(env, 'OTEL_EXPORTER_OTLP_PROTOCOL');
  if (protocol !== undefined && protocol !== 'http/protobuf')
    throw new TracingConfigError(
      `OTEL_EXPORTER_OTLP_TRACES_PROTOCOL / OTEL_EXPORTER_OTLP_PROTOCOL: only http/protobuf is supported (got "${protocol}")`,
    );

  const signal = value(env, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT');
  const base = value(env, 'OTEL_EXPORTER_OTLP_ENDPOINT');
  let tracesUrl: string;
  if (signal) tracesUrl = checkedUrl('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', signal);
  else if (base)
    tracesUrl = `${checkedUrl('OTEL_EXPORTER_OTLP_ENDPOINT', base).replace(/\/+$/, '')}/v1/traces`;
  else
    return { enabled: false, reason: 'no OTEL_EXPORTER_OTLP_TRACES_ENDPOINT or OTEL_EXPORTER_OTLP_ENDPOINT' };

  const { sampler, name } = samplerFromEnv(env);
  return {
    enabled: true,
    serviceName: value(env, 'OTEL_SERVICE_NAME') ?? defaultServiceName,
    tracesUrl,
    sampler,
    samplerName: name,
    batch: batchSettingsFromEnv(env),
  };
}
