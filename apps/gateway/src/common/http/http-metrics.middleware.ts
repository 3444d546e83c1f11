import type { Logger } from '@imageflow/observability';
import { DURATION_BUCKETS, Histogram, type Registry } from '@imageflow/observability';
import type { NextFunction, Request, Response } from 'express';

/**
 * Request duration by method, route template and status, plus one access-log line per request.
 * The route is Express's matched template (`/api/v1/runs/:id`), never the raw URL, so label values stay few.
 */
export function httpMetricsMiddleware(registry: Registry, logger: Logger) {
  const duration = new Histogram({
    name: 'imageflow_http_request_duration_seconds',
    help: 'HTTP request duration by method, route template and status code',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: DURATION_BUCKETS,
    registers: [registry],
  });
  return (req: Request, res: Response, next: NextFunction): void => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const routePath = (req.route as { path?: unknown } | undefined)?.path;
      const route = typeof routePath === 'string' ? `${req.baseUrl}${routePath}` : 'unmatched';
      duration.observe({ method: req.method, route, status: String(res.statusCode) }, seconds);
      if (route !== '/metrics' && route !== '/healthz') {
        logger.info(
          {
            method: req.method,
            route,
            url: req.originalUrl,
            status: res.statusCode,
            durationMs: Math.round(seconds * 1000),
          },
          'request',
        );
      }
    });
    next();
  };
}
