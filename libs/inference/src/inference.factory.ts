import type { BatcherOptions } from './batching/dynamic-batcher';
import { SharpImageAdapter } from './image/sharp.adapter';
import { InferenceService } from './inference.service';
import type { ModelSource } from './models/model-source';
import { ModelStore, type ModelStoreObserver } from './models/model-store';
import { OnnxAdapter, type OnnxAdapterOptions } from './onnx/onnx.adapter';

export interface InferenceConfig {
  onnx?: Partial<OnnxAdapterOptions>;
  batching?: Partial<BatcherOptions>;
  latestTtlMs?: number;
  maxLoadedModels?: number;
  maxPixels?: number;
}

export const DEFAULT_BATCHING: BatcherOptions = { maxBatchSize: 8, maxDelayMs: 5, maxConcurrentBatches: 1 };

/** Wires the adapters, the model store and the service with defaults suited to a small CPU box. */
export function createInference(
  source: ModelSource,
  config: InferenceConfig = {},
  observer: ModelStoreObserver = {},
) {
  const onnx = new OnnxAdapter(config.onnx);
  const store = new ModelStore(
    source,
    onnx,
    {
      latestTtlMs: config.latestTtlMs ?? 2_000,
      maxLoadedModels: config.maxLoadedModels ?? 8,
      batching: { ...DEFAULT_BATCHING, ...config.batching },
    },
    observer,
  );
  const images = new SharpImageAdapter({ maxPixels: config.maxPixels ?? 40_000_000 });
  const service = new InferenceService(store, images);
  return { service, store, onnx, images };
}
