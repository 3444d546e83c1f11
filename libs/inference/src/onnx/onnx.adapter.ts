import * as ort from 'onnxruntime-node';
import { InferenceError } from '../errors';
import type { TensorData, TensorMap } from './tensor';

export interface OnnxAdapterOptions {
  /** Threads inside one operator (onnxruntime intra-op pool); keep small on shared CPUs. */
  intraOpThreads: number;
  /** Threads across independent operators (used only in parallel execution mode). */
  interOpThreads: number;
  /** Tried in order, e.g. ["cuda", "cpu"]; the CPU build ships only "cpu". */
  executionProviders: readonly string[];
  graphOptimization: 'disabled' | 'basic' | 'extended' | 'all';
}

export const DEFAULT_ONNX_OPTIONS: OnnxAdapterOptions = {
  intraOpThreads: 1,
  interOpThreads: 1,
  executionProviders: ['cpu'],
  graphOptimization: 'all',
};

export interface TensorInfo {
  name: string;
  /** Dimensions; symbolic or unknown ones are -1. */
  dims: number[];
  type: string;
}

/** A loaded model, free of onnxruntime types. */
export interface OnnxModel {
  readonly inputs: readonly TensorInfo[];
  readonly outputs: readonly TensorInfo[];
  run(feeds: TensorMap): Promise<TensorMap>;
  release(): Promise<void>;
}

/** The one place this library touches onnxruntime: session options, threads, execution providers. */
export class OnnxAdapter {
  readonly options: OnnxAdapterOptions;

  constructor(options: Partial<OnnxAdapterOptions> = {}) {
    this.options = { ...DEFAULT_ONNX_OPTIONS, ...options };
  }

  async load(bytes: Uint8Array, name: string): Promise<OnnxModel> {
    let session: ort.InferenceSession;
    try {
      session = await ort.InferenceSession.create(bytes, {
        intraOpNumThreads: this.options.intraOpThreads,
        interOpNumThreads: this.options.interOpThreads,
        executionMode: this.options.interOpThreads > 1 ? 'parallel' : 'sequential',
        executionProviders: [...this.options.executionProviders],
        graphOptimizationLevel: this.options.graphOptimization,
      });
    } catch (error) {
      throw new InferenceError(
        'MODEL_LOAD_FAILED',
        `${name}: onnxruntime cannot load the model: ${(error as Error).message}`,
        { cause: error },
      );
    }
    const info = (m: ort.InferenceSession.ValueMetadata): TensorInfo =>
      m.isTensor
        ? { name: m.name, dims: m.shape.map((d) => (typeof d === 'number' && d >= 0 ? d : -1)), type: m.type }
        : { name: m.name, dims: [], type: 'non-tensor' };
    const inputs = session.inputMetadata.map(info);
    const outputs = session.outputMetadata.map(info);
    return {
      inputs,
      outputs,
      async run(feeds) {
        const ortFeeds: Record<string, ort.Tensor> = {};
        for (const [key, t] of Object.entries(feeds)) ortFeeds[key] = new ort.Tensor(t.type, t.data, t.dims);
        let results: ort.InferenceSession.ReturnType;
        try {
          results = await session.run(ortFeeds);
        } catch (error) {
          throw new InferenceError('INFERENCE_FAILED', `${name}: ${(error as Error).message}`, {
            cause: error,
          });
        }
        const out: TensorMap = {};
        for (const [key, value] of Object.entries(results)) {
          out[key] = fromOrt(key, value);
          value.dispose();
        }
        return out;
      },
      async release() {
        await session.release();
      },
    };
  }
}

function fromOrt(name: string, value: ort.Tensor): TensorData {
  const dims = [...value.dims];
  switch (value.type) {
    case 'float32':
      return { type: 'float32', data: (value.data as Float32Array).slice(), dims };
    case 'uint8':
      return { type: 'uint8', data: (value.data as Uint8Array).slice(), dims };
    case 'int64':
      return { type: 'int64', data: (value.data as BigInt64Array).slice(), dims };
    case 'int32':
      return { type: 'int32', data: (value.data as Int32Array).slice(), dims };
    default:
      throw new InferenceError('INFERENCE_FAILED', `output ${name} has unsupported type ${value.type}`);
  }
}
