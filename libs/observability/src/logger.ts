import pino, { type Logger } from 'pino';
import { activeSubject, activeTraceIds } from './tracing/spans';

export type { Logger };

/**
 * Fields of the active span and work on every line: `trace_id` / `span_id` (OpenTelemetry's log field names, so a
 * log line finds its trace) and `run_id` / `image_id` / `node_id` when the code runs for a run (snake case like the
 * trace fields, and so never a duplicate key next to a child logger's `runId` binding). Without tracing there is
 * no active span context and nothing is added.
 */
export function traceLogFields(): Record<string, string> {
  const out: Record<string, string> = {};
  const ids = activeTraceIds();
  if (ids) {
    out['trace_id'] = ids.traceId;
    out['span_id'] = ids.spanId;
  }
  const subject = activeSubject();
  if (subject?.runId) out['run_id'] = subject.runId;
  if (subject?.imageId) out['image_id'] = subject.imageId;
  if (subject?.nodeId) out['node_id'] = subject.nodeId;
  return out;
}

/**
 * Structured JSON logs, one line per event, with the service name on every line, plus the trace and run of the
 * active span (see traceLogFields). Bind other known fields on child loggers.
 */
export function createLogger(service: string, level = process.env['LOG_LEVEL'] ?? 'info'): Logger {
  return pino({
    name: service,
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    mixin: traceLogFields,
  });
}
