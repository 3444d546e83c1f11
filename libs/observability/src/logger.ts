import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * Structured JSON logs, one line per event, with the service name on every line.
 * Add `runId`, `imageId`, `traceId` as bindings on child loggers where they are known.
 */
export function createLogger(service: string, level = process.env['LOG_LEVEL'] ?? 'info'): Logger {
  return pino({
    name: service,
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  });
}
