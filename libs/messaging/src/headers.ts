// Kafka headers of an event: the envelope ids (so tools can route and trace without decoding) and W3C trace context.
import { createHash, randomBytes } from 'node:crypto';
import { HEADERS, type Envelope } from '@imageflow/contracts';
import { trace, isSpanContextValid, TraceFlags, context as otelContext } from '@opentelemetry/api';
import type { IHeaders } from 'kafkajs';

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const ZERO_TRACE = '0'.repeat(32);
const ZERO_SPAN = '0'.repeat(16);

export interface TraceContext {
  traceId: string;
  spanId: string;
  sampled: boolean;
}

export function formatTraceparent({ traceId, spanId, sampled }: TraceContext): string {
  return `00-${traceId}-${spanId}-${sampled ? '01' : '00'}`;
}

/** Parses a version-00 W3C traceparent; undefined when malformed or all-zero (invalid per the spec). */
export function parseTraceparent(value: string | undefined): TraceContext | undefined {
  const match = value ? TRACEPARENT.exec(value.trim()) : null;
  if (!match) return undefined;
  const [, traceId = '', spanId = '', flags = '00'] = match;
  if (traceId === ZERO_TRACE || spanId === ZERO_SPAN) return undefined;
  return { traceId, spanId, sampled: (Number.parseInt(flags, 16) & 1) === 1 };
}

/**
 * Trace id of a flow when no tracer is active: derived from the correlation id (SHA-256, first 16 bytes), so every
 * service that handles one capture's events lands in the same trace without any shared state. Used only while
 * tracing is off (`startTracing` in `@imageflow/observability` found no OTLP endpoint): `traceContextFor` prefers
 * the real span.
 */
export function traceIdForCorrelation(correlationId: string): string {
  const id = createHash('sha256').update(correlationId).digest('hex').slice(0, 32);
  return id === ZERO_TRACE ? `${id.slice(0, 31)}1` : id;
}

const randomSpanId = (): string => {
  let id = randomBytes(8).toString('hex');
  while (id === ZERO_SPAN) id = randomBytes(8).toString('hex');
  return id;
};

/**
 * The span of `ctx` (default: the active one) when tracing runs — the producer span, so consumers become its
 * children — else (tracing off) a context derived from the envelope.
 */
export function traceContextFor(
  envelope: Pick<Envelope, 'eventId' | 'correlationId'>,
  ctx = otelContext.active(),
): TraceContext {
  const active = trace.getSpanContext(ctx);
  if (active && isSpanContextValid(active)) {
    return {
      traceId: active.traceId,
      spanId: active.spanId,
      sampled: (active.traceFlags & TraceFlags.SAMPLED) === TraceFlags.SAMPLED,
    };
  }
  return {
    traceId: traceIdForCorrelation(envelope.correlationId ?? envelope.eventId),
    spanId: randomSpanId(),
    sampled: true,
  };
}

/** Headers for one event: envelope ids (null ones left out), event type, traceparent, then `extra` (which may override). */
export function eventHeaders(
  envelope: Envelope,
  extra: Record<string, string> = {},
  traceContext: TraceContext = traceContextFor(envelope),
): Record<string, string> {
  const headers: Record<string, string> = {
    [HEADERS.eventId]: envelope.eventId,
    [HEADERS.eventType]: envelope.type,
    [HEADERS.traceparent]: formatTraceparent(traceContext),
  };
  const optional: Array<[string, string | null]> = [
    [HEADERS.runId, envelope.runId],
    [HEADERS.imageId, envelope.imageId],
    [HEADERS.correlationId, envelope.correlationId],
    [HEADERS.causationId, envelope.causationId],
  ];
  for (const [name, value] of optional) if (value !== null && value !== '') headers[name] = value;
  return { ...headers, ...extra };
}

/** kafkajs headers (Buffer | string | arrays, possibly undefined) as plain strings; repeated headers keep the last value. */
export function headersToRecord(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value === undefined) continue;
    const last = Array.isArray(value) ? value[value.length - 1] : value;
    if (last === undefined) continue;
    out[name] = Buffer.isBuffer(last) ? last.toString('utf8') : String(last);
  }
  return out;
}
