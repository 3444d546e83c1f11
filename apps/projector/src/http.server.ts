import { createServer, type Server } from 'node:http';
import type { Registry } from '@imageflow/observability';

export interface HealthProbe {
  /** The process is up and its consumers are running. */
  live(): boolean;
  /** Dependencies answer (Postgres). */
  ready(): Promise<boolean>;
}

/** `/metrics` (Prometheus text), `/healthz` (liveness), `/readyz` (Postgres reachable). */
export function startHttpServer(port: number, registry: Registry, health: HealthProbe): Promise<Server> {
  const server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    const reply = (status: number, body: string, contentType = 'application/json') => {
      response.writeHead(status, { 'content-type': contentType });
      response.end(body);
    };
    void (async () => {
      try {
        if (request.method !== 'GET') return reply(405, JSON.stringify({ error: 'method not allowed' }));
        if (path === '/metrics') return reply(200, await registry.metrics(), registry.contentType);
        if (path === '/healthz') {
          const live = health.live();
          return reply(live ? 200 : 503, JSON.stringify({ status: live ? 'ok' : 'stopping' }));
        }
        if (path === '/readyz') {
          const ready = health.live() && (await health.ready());
          return reply(ready ? 200 : 503, JSON.stringify({ status: ready ? 'ready' : 'not ready' }));
        }
        return reply(404, JSON.stringify({ error: 'not found' }));
      } catch (error) {
        return reply(500, JSON.stringify({ error: String(error) }));
      }
    })();
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, () => resolve(server));
  });
}
