// Kafka trace context with the SDK running (in-memory exporter): the producer span's context is what goes into
// `traceparent`, and the consumer span found from that header is its child, with the messaging attributes.
import { HEADERS } from '@imageflow/contracts';
import { context, currentTracing, SpanKind, startTracing, trace } from '@imageflow/observability';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace';
import { beforeAll, describe, expect, it } from 'vitest';
import { eventHeaders, parseTraceparent, traceContextFor, traceIdForCorrelation } from './headers';
import {
  consumerAttributes,
  markDeadLettered,
  startConsumerSpan,
  startProducerSpan,
} from './message-tracing';
import { buildEnvelope } from './testing';

const exporter = new InMemorySpanExporter();

describe('Kafka spans and traceparent', () => {
  beforeAll(() => {
    // The endpoint only switches tracing on; the exporter is replaced, so nothing leaves the process.
    startTracing('messaging-test', { env: { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9' }, exporter });
  });

  const flushed = async () => {
    await currentTracing()?.forceFlush();
    return exporter.getFinishedSpans();
  };

  it('injects the producer span and makes the consumer span its child', async () => {
    const envelope = buildEnvelope('StepRequested', { correlationId: 'capture-1' });
    const producer = startProducerSpan('imageflow.stage.image.v1', 'run-key', envelope);
    const headers = eventHeaders(envelope, {}, traceContextFor(envelope, producer.context));
    producer.span.end();
    const sent = parseTraceparent(headers[HEADERS.traceparent]);
    expect(sent).toEqual({
      traceId: producer.span.spanContext().traceId,
      spanId: producer.span.spanContext().spanId,
      sampled: true,
    });
    // The real span, not the correlation-derived fallback.
    expect(sent?.traceId).not.toBe(traceIdForCorrelation('capture-1'));

    const consumer = startConsumerSpan({
      topic: 'imageflow.stage.image.v1',
      partition: 2,
      offset: '41',
      headers,
      groupId: 'workers',
    });
    // Work done in the consumer's context (the handler's publishes) continues the same trace.
    const next = context.with(consumer.context, () => traceContextFor(buildEnvelope('StepCompleted')));
    expect(next).toEqual({
      traceId: sent?.traceId,
      spanId: consumer.span.spanContext().spanId,
      sampled: true,
    });
    markDeadLettered(consumer.context, 'boom');
    consumer.span.end();

    const spans = await flushed();
    const p = spans.find((s) => s.kind === SpanKind.PRODUCER);
    const c = spans.find((s) => s.kind === SpanKind.CONSUMER);
    expect(p?.name).toBe('send imageflow.stage.image.v1');
    expect(p?.attributes).toMatchObject({
      'messaging.system': 'kafka',
      'messaging.destination.name': 'imageflow.stage.image.v1',
      'imageflow.run_id': envelope.runId,
      'imageflow.event_type': 'StepRequested',
    });
    expect(c?.name).toBe('process imageflow.stage.image.v1');
    expect(c?.parentSpanContext).toMatchObject({
      spanId: sent?.spanId,
      traceId: sent?.traceId,
      isRemote: true,
    });
    expect(c?.attributes).toMatchObject({
      'messaging.destination.name': 'imageflow.stage.image.v1',
      'messaging.consumer.group.name': 'workers',
      'messaging.destination.partition.id': '2',
      'messaging.kafka.offset': 41,
      'imageflow.run_id': envelope.runId,
      'imageflow.event_id': envelope.eventId,
      'imageflow.dead_lettered': true,
    });
    expect(c?.status).toEqual({ code: 2, message: 'boom' });
  });

  it('starts a new trace for a message without traceparent', () => {
    const attributes = consumerAttributes({
      topic: 't',
      partition: 0,
      offset: '0',
      headers: {},
      groupId: 'g',
    });
    expect(attributes).not.toHaveProperty('imageflow.run_id');
    const consumer = startConsumerSpan({ topic: 't', partition: 0, offset: '0', headers: {}, groupId: 'g' });
    expect(trace.getSpanContext(consumer.context)?.traceId).toMatch(/^[0-9a-f]{32}$/);
    consumer.span.end();
  });
});
