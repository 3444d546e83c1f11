import { HEADERS } from '@imageflow/contracts';
import { describe, expect, it } from 'vitest';
import {
  eventHeaders,
  formatTraceparent,
  headersToRecord,
  parseTraceparent,
  traceContextFor,
  traceIdForCorrelation,
} from './headers';
import { buildEnvelope } from './testing';

describe('event headers', () => {
  it('carries the envelope ids, the type and a valid traceparent; null ids are left out', () => {
    const envelope = buildEnvelope('RunStarted', { causationId: null, imageId: null });
    const headers = eventHeaders(envelope, { 'x-extra': 'yes' });
    expect(headers[HEADERS.eventId]).toBe(envelope.eventId);
    expect(headers[HEADERS.eventType]).toBe('RunStarted');
    expect(headers[HEADERS.runId]).toBe(envelope.runId);
    expect(headers[HEADERS.correlationId]).toBe(envelope.correlationId);
    expect(headers).not.toHaveProperty(HEADERS.causationId);
    expect(headers).not.toHaveProperty(HEADERS.imageId);
    expect(headers['x-extra']).toBe('yes');
    expect(parseTraceparent(headers[HEADERS.traceparent])).toBeDefined();
  });

  it('puts every event of one correlation in one trace, each with its own span', () => {
    const a = traceContextFor(buildEnvelope('StepRequested', { correlationId: 'capture-1' }));
    const b = traceContextFor(buildEnvelope('StepCompleted', { correlationId: 'capture-1' }));
    const c = traceContextFor(buildEnvelope('StepCompleted', { correlationId: 'capture-2' }));
    expect(a.traceId).toBe(traceIdForCorrelation('capture-1'));
    expect(b.traceId).toBe(a.traceId);
    expect(c.traceId).not.toBe(a.traceId);
    expect(b.spanId).not.toBe(a.spanId);
    // Without a correlation id the event's own id starts the trace.
    const lone = buildEnvelope('RunCompleted', { correlationId: null });
    expect(traceContextFor(lone).traceId).toBe(traceIdForCorrelation(lone.eventId));
  });

  it('formats and parses W3C traceparent, rejecting malformed and all-zero ids', () => {
    const ctx = { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', sampled: true };
    expect(formatTraceparent(ctx)).toBe('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01');
    expect(parseTraceparent(formatTraceparent(ctx))).toEqual(ctx);
    expect(parseTraceparent('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00')?.sampled).toBe(false);
    expect(parseTraceparent(`00-${'0'.repeat(32)}-00f067aa0ba902b7-01`)).toBeUndefined();
    expect(parseTraceparent(`00-4bf92f3577b34da6a3ce929d0e0e4736-${'0'.repeat(16)}-01`)).toBeUndefined();
    expect(parseTraceparent('garbage')).toBeUndefined();
    expect(parseTraceparent(undefined)).toBeUndefined();
  });

  it('turns kafkajs headers into strings', () => {
    expect(
      headersToRecord({
        a: Buffer.from('one'),
        b: 'two',
        c: [Buffer.from('x'), Buffer.from('last')],
        d: undefined,
      }),
    ).toEqual({ a: 'one', b: 'two', c: 'last' });
    expect(headersToRecord(undefined)).toEqual({});
  });
});
