// Without an OTLP endpoint nothing is registered: spans are the API's no-op spans, headers get no traceparent from
// them, log lines get no trace fields, and no exporter (hence no network) exists.
import { context, propagation, trace } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { traceLogFields } from '../logger';
import { activeTraceIds, injectTraceContext, inSpan, tracer } from './spans';
import { currentTracing, startTracing } from './tracing';

describe('tracing disabled (no endpoint)', () => {
  it('registers nothing and records nothing', async () => {
    const tracing = startTracing('gateway', { env: { OTEL_SERVICE_NAME: 'ignored' } });
    expect(tracing).toMatchObject({ enabled: false, tracesUrl: undefined, serviceName: undefined });
    expect(tracing.disabledReason).toMatch(/OTEL_EXPORTER_OTLP_TRACES_ENDPOINT/);
    expect(currentTracing()).toBe(tracing);
    // Later calls return the same handle (one SDK per process), even with an endpoint.
    expect(startTracing('gateway', { env: { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9' } })).toBe(
      tracing,
    );

    expect(propagation.fields()).toEqual([]); // no global propagator
    const span = tracer().startSpan('nothing');
    expect(span.isRecording()).toBe(false);
    span.end();
    await inSpan('work', { subject: { runId: 'run-1' } }, async () => {
      // No context manager: the span is not active, so nothing reaches headers or logs.
      expect(activeTraceIds()).toBeUndefined();
      expect(traceLogFields()).toEqual({});
      const headers: Record<string, string> = {};
      injectTraceContext(headers);
      expect(headers).toEqual({});
    });
    expect(trace.getSpan(context.active())).toBeUndefined();
    await tracing.forceFlush();
    await tracing.shutdown();
  });
});
