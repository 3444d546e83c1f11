// The SERVER span of an HTTP request, manual rather than auto-instrumented: only the requests that start work
// (ingest) need one, and the root of an image's trace is where its bytes arrived. A `traceparent` sent by the
// client (e.g. an edge agent with tracing) makes it a child of the client's span.
import type { IncomingHttpHeaders } from 'node:http';
import { ATTR, extractTraceContext, inSpan, SpanKind, type Span } from '@imageflow/observability';

function headerRecord(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(headers))
    if (value !== undefined) out[key] = Array.isArray(value) ? value.join(',') : value;
  return out;
}

export function inServerSpan<T>(
  request: { method: string; headers: IncomingHttpHeaders },
  route: string,
  handle: (span: Span) => Promise<T>,
): Promise<T> {
  return inSpan(
    `${request.method} ${route}`,
    {
      kind: SpanKind.SERVER,
      parent: extractTraceContext(headerRecord(request.headers)),
      attributes: { [ATTR.httpMethod]: request.method, [ATTR.httpRoute]: route },
    },
    handle,
  );
}
