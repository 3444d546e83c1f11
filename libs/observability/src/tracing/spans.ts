// Span helpers shared by every service: one tracer name, the attribute names of this project, W3C trace context in
// and out of plain string carriers (Kafka headers, gRPC metadata), and the run/image a piece of work is about.
import {
  context,
  createContextKey,
  isSpanContextValid,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Link,
  type Span,
  type TextMapGetter,
  type TextMapSetter,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';

export { context, SpanKind, SpanStatusCode, trace, ROOT_CONTEXT };
export type { Attributes, Context, Link, Span };

/** Attribute names: semantic conventions where they exist (messaging.*, rpc.*), `imageflow.*` for ours. */
export const ATTR = {
  runId: 'imageflow.run_id',
  imageId: 'imageflow.image_id',
  nodeId: 'imageflow.node_id',
  eventType: 'imageflow.event_type',
  eventId: 'imageflow.event_id',
  stage: 'imageflow.stage',
  partId: 'imageflow.part_id',
  attempt: 'imageflow.attempt',
  messagingSystem: 'messaging.system',
  messagingDestination: 'messaging.destination.name',
  messagingOperation: 'messaging.operation.type',
  messagingConsumerGroup: 'messaging.consumer.group.name',
  messagingPartition: 'messaging.destination.partition.id',
  messagingOffset: 'messaging.kafka.offset',
  messagingKey: 'messaging.kafka.message.key',
  messagingBatchCount: 'messaging.batch.message_count',
  rpcSystem: 'rpc.system',
  rpcService: 'rpc.service',
  rpcMethod: 'rpc.method',
  rpcGrpcStatusCode: 'rpc.grpc.status_code',
  httpMethod: 'http.request.method',
  httpRoute: 'http.route',
  httpStatusCode: 'http.response.status_code',
} as const;

/** The one tracer of the project's own spans (instrumentation scope). */
export const tracer = () => trace.getTracer('imageflow');

// Always W3C trace context, whether or not the SDK registered a global propagator: a service with tracing off
// still reads and writes the same header format, so a mixed fleet keeps one trace.
const w3c = new W3CTraceContextPropagator();

const recordGetter: TextMapGetter<Record<string, string | undefined>> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => carrier[key],
};
const recordSetter: TextMapSetter<Record<string, string>> = {
  set: (carrier, key, value) => {
    carrier[key] = value;
  },
};

/** Writes `traceparent` (and `tracestate`) of the span in `ctx` into `carrier`; nothing when there is no valid span. */
export function injectTraceContext(carrier: Record<string, string>, ctx: Context = context.active()): void {
  w3c.inject(ctx, carrier, recordSetter);
}

/** The remote parent found in `traceparent` / `tracestate` of `carrier`, as a context (ROOT when absent or bad). */
export function extractTraceContext(
  carrier: Record<string, string | undefined>,
  base: Context = ROOT_CONTEXT,
): Context {
  return w3c.extract(base, carrier, recordGetter);
}

/** Trace and span id of the active span, if any (for log lines and tests). */
export function activeTraceIds(
  ctx: Context = context.active(),
): { traceId: string; spanId: string } | undefined {
  const sc = trace.getSpanContext(ctx);
  return sc && isSpanContextValid(sc) ? { traceId: sc.traceId, spanId: sc.spanId } : undefined;
}

/** What a piece of work is about, for log lines (see createLogger's mixin). */
export interface WorkSubject {
  runId?: string | null;
  imageId?: string | null;
  nodeId?: string | null;
}

const SUBJECT = createContextKey('imageflow.work-subject');

export function withSubject(ctx: Context, subject: WorkSubject): Context {
  return ctx.setValue(SUBJECT, subject);
}

export function activeSubject(ctx: Context = context.active()): WorkSubject | undefined {
  return ctx.getValue(SUBJECT) as WorkSubject | undefined;
}

/** Span attributes for a run and image, leaving out what is unknown. */
export function subjectAttributes(subject: WorkSubject): Attributes {
  const out: Attributes = {};
  if (subject.runId) out[ATTR.runId] = subject.runId;
  if (subject.imageId) out[ATTR.imageId] = subject.imageId;
  if (subject.nodeId) out[ATTR.nodeId] = subject.nodeId;
  return out;
}

export interface SpanOptions {
  kind?: SpanKind;
  attributes?: Attributes;
  links?: Link[];
  /** Parent context (default: the active one). */
  parent?: Context;
  /** Also make run/image known to log lines written inside. */
  subject?: WorkSubject;
}

/** Marks the span failed with the error (message and exception event). */
export function recordError(span: Span, error: unknown): void {
  span.recordException(error instanceof Error ? error : String(error));
  span.setStatus({
    code: SpanStatusCode.ERROR,
    message: error instanceof Error ? error.message : String(error),
  });
}

/**
 * Runs `fn` inside a new span (active for everything `fn` awaits), ends it when `fn` settles, and marks it
 * failed when `fn` throws (the error is rethrown).
 */
export async function inSpan<T>(
  name: string,
  options: SpanOptions,
  fn: (span: Span) => Promise<T>,
): Promise<T> {
  let parent = options.parent ?? context.active();
  if (options.subject) parent = withSubject(parent, { ...activeSubject(parent), ...options.subject });
  const span = tracer().startSpan(
    name,
    { kind: options.kind ?? SpanKind.INTERNAL, attributes: options.attributes, links: options.links },
    parent,
  );
  try {
    return await context.with(trace.setSpan(parent, span), () => fn(span));
  } catch (error) {
    recordError(span, error);
    throw error;
  } finally {
    span.end();
  }
}
