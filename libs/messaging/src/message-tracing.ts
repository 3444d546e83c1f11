// Kafka spans: PRODUCER per event sent (its context goes into `traceparent`), CONSUMER per message handled (parent
// taken from `traceparent`). With tracing off these are the API's no-op spans and the headers fall back to the
// correlation-derived trace context (see headers.ts).
import { HEADERS } from '@imageflow/contracts';
import {
  ATTR,
  context,
  extractTraceContext,
  SpanKind,
  SpanStatusCode,
  subjectAttributes,
  trace,
  tracer,
  withSubject,
  type Attributes,
  type Context,
  type Span,
  type WorkSubject,
} from '@imageflow/observability';

/** Run and image of a message, from its envelope headers (no decoding needed). */
export function messageSubject(headers: Record<string, string>): WorkSubject {
  return { runId: headers[HEADERS.runId], imageId: headers[HEADERS.imageId] };
}

export interface MessageSpanInfo {
  topic: string;
  partition: number;
  offset: string;
  headers: Record<string, string>;
  groupId: string;
}

/** Attributes of a consumed message, by the messaging semantic conventions plus run, image and event type. */
export function consumerAttributes(info: MessageSpanInfo): Attributes {
  const attributes: Attributes = {
    [ATTR.messagingSystem]: 'kafka',
    [ATTR.messagingOperation]: 'process',
    [ATTR.messagingDestination]: info.topic,
    [ATTR.messagingConsumerGroup]: info.groupId,
    [ATTR.messagingPartition]: String(info.partition),
    [ATTR.messagingOffset]: Number(info.offset),
    ...subjectAttributes(messageSubject(info.headers)),
  };
  const type = info.headers[HEADERS.eventType];
  if (type) attributes[ATTR.eventType] = type;
  const eventId = info.headers[HEADERS.eventId];
  if (eventId) attributes[ATTR.eventId] = eventId;
  return attributes;
}

/**
 * Starts the CONSUMER span of one message as a child of the producer's span (its `traceparent`); returns the span
 * and the context to handle the message in (span active, run and image known to log lines).
 */
export function startConsumerSpan(info: MessageSpanInfo): { span: Span; context: Context } {
  const parent = withSubject(extractTraceContext(info.headers), messageSubject(info.headers));
  const span = tracer().startSpan(
    `process ${info.topic}`,
    { kind: SpanKind.CONSUMER, attributes: consumerAttributes(info) },
    parent,
  );
  return { span, context: trace.setSpan(parent, span) };
}

/** Starts the PRODUCER span of one event, child of the active span; headers are computed inside its context. */
export function startProducerSpan(
  topic: string,
  key: string,
  envelope: { eventId: string; type: string; runId: string | null; imageId: string | null },
): { span: Span; context: Context } {
  const parent = context.active();
  const span = tracer().startSpan(
    `send ${topic}`,
    {
      kind: SpanKind.PRODUCER,
      attributes: {
        [ATTR.messagingSystem]: 'kafka',
        [ATTR.messagingOperation]: 'send',
        [ATTR.messagingDestination]: topic,
        [ATTR.messagingKey]: key,
        [ATTR.eventType]: envelope.type,
        [ATTR.eventId]: envelope.eventId,
        ...subjectAttributes(envelope),
      },
    },
    parent,
  );
  return { span, context: trace.setSpan(parent, span) };
}

/** The message in `ctx` goes to the dead-letter topic: its span is marked failed with the reason. */
export function markDeadLettered(ctx: Context, reason: string): void {
  const span = trace.getSpan(ctx);
  span?.setAttribute('imageflow.dead_lettered', true);
  span?.setStatus({ code: SpanStatusCode.ERROR, message: reason });
}
