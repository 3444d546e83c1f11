import { Counter, DURATION_BUCKETS, Gauge, Histogram, type Registry } from '@imageflow/observability';

/**
 * gRPC server metrics under the grpc-ecosystem names (grpc_server_*), plus what the batching and the model
 * store do: batch sizes per model, wait and run times, loads and version switches.
 */
export function createAiMetrics(registry: Registry) {
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
      help: 'Time an Apply spent per phase (decode, compute), by part.',
      labelNames: ['part', 'phase'] as const,
      buckets: DURATION_BUCKETS,
      registers: [registry],
    }),
    inFlight: new Gauge({
      name: 'imageflow_compute_apply_running',
      help: 'Apply calls in progress.',
      registers: [registry],
    }),
    batchSize: new Histogram({
      name: 'imageflow_inference_batch_size',
      help: 'Images per model run (dynamic batching), by model.',
      labelNames: ['model'] as const,
      buckets: [1, 2, 3, 4, 6, 8, 12, 16, 24, 32],
      registers: [registry],
    }),
    batchWait: new Histogram({
      name: 'imageflow_inference_batch_wait_seconds',
      help: 'How long the first image of a batch waited for the batch to start, by model.',
      labelNames: ['model'] as const,
      buckets: DURATION_BUCKETS,
      registers: [registry],
    }),
    batchRun: new Histogram({
      name: 'imageflow_inference_run_seconds',
      help: 'onnxruntime time per batch, by model.',
      labelNames: ['model'] as const,
      buckets: DURATION_BUCKETS,
      registers: [registry],
    }),
    modelLoad: new Histogram({
      name: 'imageflow_inference_model_load_seconds',
      help: 'Time to fetch a model from the store and create its session.',
      labelNames: ['model'] as const,
      buckets: DURATION_BUCKETS,
      registers: [registry],
    }),
    modelSwitches: new Counter({
      name: 'imageflow_inference_model_switches_total',
      help: 'Times a model id started resolving to a newly published version.',
      labelNames: ['model_id'] as const,
      registers: [registry],
    }),
  };
}

export type AiMetrics = ReturnType<typeof createAiMetrics>;
