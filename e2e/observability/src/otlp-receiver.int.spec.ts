// The tracing set-up of @imageflow/observability against the test's OTLP receiver, in one process: what the SDK
// exports (real OTLP exporter, protobuf over HTTP) decodes into the spans and parent links that were made, and
// trace context survives a trip through string headers (as through Kafka or gRPC metadata).
import {
  extractTraceContext,
  injectTraceContext,
  inSpan,
  SpanKind,
  startTracing,
  traceLogFields,
  type Tracing,
} from '@imageflow/observability';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OtlpReceiver, SPAN_KIND } from './otlp-receiver';

describe('OTLP export of @imageflow/observability tracing', () => {
  const receiver = new OtlpReceiver();
  let tracing: Tracing;

  beforeAll(async () => {
    await receiver.start();
    tracing = startTracing('trace-test', {
      env: { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: receiver.url, OTEL_SERVICE_NAME: 'otlp-receiver-test' },
    });
  });

  afterAll(async () => {
    await tracing.shutdown();
    await receiver.stop();
  });

  it('exports spans with their service, kind, attributes and parent across a header hop', async () => {
    expect(tracing.enabled).toBe(true);
    expect(tracing.tracesUrl).toBe(receiver.url);
    const headers: Record<string, string> = {};
    let logFields: Record<string, string> = {};
    await inSpan(
      'send thing',
      { kind: SpanKind.PRODUCER, attributes: { 'imageflow.run_id': 'run-1' }, subject: { runId: 'run-1' } },
      async () => {
        injectTraceContext(headers);
        logFields = traceLogFields();
      },
    );
    expect(headers['traceparent']).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(logFields['run_id']).toBe('run-1');
    expect(headers['traceparent']).toContain(logFields['trace_id']);
    await inSpan(
      'process thing',
      { kind: SpanKind.CONSUMER, parent: extractTraceContext(headers) },
      async () => {
        await inSpan('inner', {}, () => Promise.resolve());
      },
    );
    await tracing.forceFlush();

    expect(receiver.errors).toEqual([]);
    const producer = receiver.spans.find((s) => s.name === 'send thing');
    const consumer = receiver.spans.find((s) => s.name === 'process thing');
    const inner = receiver.spans.find((s) => s.name === 'inner');
    expect(producer).toMatchObject({
      service: 'otlp-receiver-test',
      scope: 'imageflow',
      kind: SPAN_KIND.PRODUCER,
      parentSpanId: '',
      attributes: { 'imageflow.run_id': 'run-1' },
    });
    expect(headers['traceparent']).toBe(`00-${producer?.traceId}-${producer?.spanId}-01`);
    expect(consumer).toMatchObject({
      kind: SPAN_KIND.CONSUMER,
      traceId: producer?.traceId,
      parentSpanId: producer?.spanId,
    });
    expect(inner).toMatchObject({ traceId: producer?.traceId, parentSpanId: consumer?.spanId });
  });
});
