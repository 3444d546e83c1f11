import { ROOT_CONTEXT, trace, TraceFlags } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import {
  extractTraceContext,
  injectTraceContext,
  subjectAttributes,
  withSubject,
  activeSubject,
} from './spans';

describe('W3C trace context in string carriers', () => {
  const spanContext = {
    traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
    spanId: '00f067aa0ba902b7',
    traceFlags: TraceFlags.SAMPLED,
  };

  it('injects the span of a context and extracts it back as a remote parent', () => {
    const headers: Record<string, string> = { other: 'kept' };
    injectTraceContext(headers, trace.setSpanContext(ROOT_CONTEXT, spanContext));
    expect(headers).toEqual({
      other: 'kept',
      traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
    });
    expect(trace.getSpanContext(extractTraceContext(headers))).toEqual({ ...spanContext, isRemote: true });
  });

  it('writes nothing without a valid span and extracts nothing from a bad header', () => {
    const headers: Record<string, string> = {};
    injectTraceContext(headers, ROOT_CONTEXT);
    expect(headers).toEqual({});
    for (const traceparent of ['garbage', `00-${'0'.repeat(32)}-00f067aa0ba902b7-01`, undefined])
      expect(trace.getSpanContext(extractTraceContext({ traceparent }))).toBeUndefined();
  });

  it('carries run, image and node for logs and span attributes', () => {
    const ctx = withSubject(ROOT_CONTEXT, { runId: 'r', imageId: null, nodeId: 'n' });
    expect(activeSubject(ctx)).toEqual({ runId: 'r', imageId: null, nodeId: 'n' });
    expect(subjectAttributes({ runId: 'r', imageId: null, nodeId: 'n' })).toEqual({
      'imageflow.run_id': 'r',
      'imageflow.node_id': 'n',
    });
  });
});
