import { DynamicBatcher, type BatcherOptions, type BatchObserver } from '../batching/dynamic-batcher';
import { InferenceError } from '../errors';
import type { OnnxModel } from '../onnx/onnx.adapter';
import { concatBatch, splitBatch, type TensorData, type TensorMap } from '../onnx/tensor';
import type { ModelManifest } from './manifest';

/**
 * Runs one loaded model for single images, batching concurrent requests of the same input shape. A model whose
 * exported batch dimension is fixed at 1 (or whose manifest says `maxBatchSize: 1`) runs image by image.
 */
export class ModelRunner {
  readonly inputName: string;
  readonly batchable: boolean;
  private readonly batcher: DynamicBatcher<TensorData, TensorMap>;

  constructor(
    readonly model: OnnxModel,
    readonly manifest: ModelManifest,
    batching: BatcherOptions,
    observer: BatchObserver = {},
  ) {
    const ref = `${manifest.id}@${manifest.version}`;
    const input = manifest.input.name
      ? model.inputs.find((i) => i.name === manifest.input.name)
      : model.inputs[0];
    if (!input) {
      throw new InferenceError(
        'INVALID_MANIFEST',
        `${ref}: input "${manifest.input.name ?? '(first)'}" not in model inputs [${model.inputs.map((i) => i.name).join(', ')}]`,
      );
    }
    const outputNames = new Set(model.outputs.map((o) => o.name));
    for (const name of referencedOutputs(manifest)) {
      if (!outputNames.has(name)) {
        throw new InferenceError(
          'INVALID_MANIFEST',
          `${ref}: output "${name}" not in model outputs [${[...outputNames].join(', ')}]`,
        );
      }
    }
    this.inputName = input.name;
    this.batchable = input.dims[0] === -1 && manifest.maxBatchSize !== 1;
    const maxBatchSize = this.batchable
      ? Math.min(batching.maxBatchSize, manifest.maxBatchSize ?? Infinity)
      : 1;
    this.batcher = new DynamicBatcher(
      (items) => this.runBatch(items),
      (t) => `${t.type}:${t.dims.join('x')}`,
      { ...batching, maxBatchSize },
      observer,
    );
  }

  /** Runs one image's input tensor [1, ...]; resolves to that image's outputs [1, ...]. */
  infer(input: TensorData): Promise<TensorMap> {
    return this.batcher.submit(input);
  }

  private async runBatch(items: TensorData[]): Promise<TensorMap[]> {
    if (items.length === 1) return [await this.model.run({ [this.inputName]: items[0] as TensorData })];
    const outputs = await this.model.run({ [this.inputName]: concatBatch(items) });
    const perItem: TensorMap[] = items.map(() => ({}));
    for (const [name, tensor] of Object.entries(outputs)) {
      splitBatch(tensor, items.length).forEach((t, i) => ((perItem[i] as TensorMap)[name] = t));
    }
    return perItem;
  }
}

function referencedOutputs(manifest: ModelManifest): string[] {
  const p = manifest.postprocess;
  switch (p.decoder) {
    case 'ssd':
      return [p.boxes, p.scores, ...(p.classes ? [p.classes] : []), ...(p.count ? [p.count] : [])];
    case 'gfl':
      return p.levels.flatMap((l) => [l.scores, l.boxes]);
    default:
      return p.output ? [p.output] : [];
  }
}
