import { Counter, DURATION_BUCKETS, Gauge, Histogram, type Registry } from '@imageflow/observability';

/**
 * gRPC server metrics under the names of go-grpc-prometheus / grpc-ecosystem (grpc_server_*), so the
 * usual dashboards work, plus the time each Apply spends decoding, computing and encoding per part.
 */
export function createComputeMetrics(registry: Registry) {
  const labelNames = ['grpc_type', 'grpc_service', 'grpc_method', 'grpc_code'] as const;
  return {
    handled: new Counter({
      name: 'grpc_server_handled_total',
      help: 'RPCs completed on the server, by method and status code.',
      labelNames,
      registers: [registry],
    }),
    handling: new Histogram({
      name: 'grpc_server_handling_seconds',
      help: 'Latency of RPCs on the server, by method and status code.',
      labelNames,
      buckets: DURATION_BUCKETS,
      registers: [registry],
    }),
    phase: new Histogram({
      name: 'imageflow_compute_apply_phase_seconds',
      help: 'Time an Apply spent per phase (decode, compute, encode), by part.',
      labelNames: ['part', 'phase'] as const,
      buckets: DURATION_BUCKETS,
      registers: [registry],
    }),
    running: new Gauge({
      name: 'imageflow_compute_apply_running',
      help: 'Apply calls computing now.',
      registers: [registry],
    }),
    queued: new Gauge({
      name: 'imageflow_compute_apply_queued',
      help: 'Apply calls waiting for a slot.',
      registers: [registry],
    }),
  };
}

export type ComputeMetrics = ReturnType<typeof createComputeMetrics>;
