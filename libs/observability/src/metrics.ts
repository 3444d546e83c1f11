import { collectDefaultMetrics, Histogram, Registry } from 'prom-client';

export { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** One registry per process, with Node's default metrics and the service as a default label. */
export function createMetricsRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  return registry;
}

/** Histogram buckets in seconds, from 1 ms to 30 s: image steps range from a resize to a model cold start. */
export const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

const GRPC_CLIENT_DURATION = 'imageflow_grpc_client_duration_seconds';

/**
 * gRPC client latency by method (`apply`, `describe`) and status code name (`OK`, `UNAVAILABLE`, …): one histogram
 * per registry, however many clients of however many compute services share it.
 */
export function grpcClientDuration(registry: Registry): Histogram<'method' | 'code'> {
  const existing = registry.getSingleMetric(GRPC_CLIENT_DURATION) as Histogram<'method' | 'code'> | undefined;
  return (
    existing ??
    new Histogram({
      name: GRPC_CLIENT_DURATION,
      help: 'gRPC client call latency by method and status code',
      labelNames: ['method', 'code'],
      buckets: DURATION_BUCKETS,
      registers: [registry],
    })
  );
}
