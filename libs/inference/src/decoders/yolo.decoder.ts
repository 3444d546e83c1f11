import { nonMaxSuppression } from './nms';
import { expectDims, type DetectionThresholds, type RawDetection, type Size, type TensorView } from './types';

export interface YoloOptions extends DetectionThresholds {
  /** `anchors-first`: [1, N, K]; `channels-first`: [1, K, N]; K = 4 (+1 objectness) + classes. */
  layout: 'anchors-first' | 'channels-first';
  objectness: boolean;
  boxFormat: 'cxcywh' | 'xyxy';
}

/** Decodes a single-tensor YOLO head (v5/v7 with objectness, v8+ without, YOLOX exported decoded). */
export function decodeYolo(output: TensorView, options: YoloOptions): RawDetection[] {
  expectDims('yolo output', output, 3);
  const [, d1 = 0, d2 = 0] = output.dims;
  const anchors = options.layout === 'anchors-first' ? d1 : d2;
  const channels = options.layout === 'anchors-first' ? d2 : d1;
  const first = options.objectness ? 5 : 4;
  const classes = channels - first;
  if (classes < 1) throw new Error(`yolo output: ${channels} channels leave no class scores`);
  const at =
    options.layout === 'anchors-first'
      ? (a: number, k: number) => output.data[a * channels + k] ?? 0
      : (a: number, k: number) => output.data[k * anchors + a] ?? 0;

  const candidates: RawDetection[] = [];
  for (let a = 0; a < anchors; a++) {
    const objectness = options.objectness ? at(a, 4) : 1;
    if (objectness < options.scoreThreshold) continue;
    let best = -Infinity;
    let classId = 0;
    for (let c = 0; c < classes; c++) {
      const s = at(a, first + c);
      if (s > best) {
        best = s;
        classId = c;
      }
    }
    const score = best * objectness;
    if (score < options.scoreThreshold) continue;
    const [b0, b1, b2, b3] = [at(a, 0), at(a, 1), at(a, 2), at(a, 3)];
    candidates.push(
      options.boxFormat === 'cxcywh'
        ? { classId, score, x1: b0 - b2 / 2, y1: b1 - b3 / 2, x2: b0 + b2 / 2, y2: b1 + b3 / 2 }
        : { classId, score, x1: b0, y1: b1, x2: b2, y2: b3 },
    );
  }
  return nonMaxSuppression(candidates, options.iouThreshold, options.maxDetections);
}

export interface YoloxOptions extends DetectionThresholds {
  strides: readonly number[];
}

/**
 * Decodes a raw YOLOX head [1, N, 5 + C] (exported without `decode_in_inference`): per stride, cells in row-major
 * order; centre = (offset + cell) * stride, size = exp(log size) * stride; objectness and class scores are
 * already sigmoid-activated.
 */
export function decodeYolox(output: TensorView, input: Size, options: YoloxOptions): RawDetection[] {
  expectDims('yolox output', output, 3);
  const [, anchors = 0, channels = 0] = output.dims;
  const classes = channels - 5;
  if (classes < 1) throw new Error(`yolox output: ${channels} channels leave no class scores`);
  const grid: Array<{ gx: number; gy: number; stride: number }> = [];
  for (const stride of options.strides) {
    const gw = Math.floor(input.width / stride);
    const gh = Math.floor(input.height / stride);
    for (let gy = 0; gy < gh; gy++) for (let gx = 0; gx < gw; gx++) grid.push({ gx, gy, stride });
  }
  if (grid.length !== anchors) {
    throw new Error(
      `yolox output: ${anchors} anchors, but strides [${options.strides.join(', ')}] over ${input.width}x${input.height} give ${grid.length}`,
    );
  }
  const candidates: RawDetection[] = [];
  for (let a = 0; a < anchors; a++) {
    const row = a * channels;
    const objectness = output.data[row + 4] ?? 0;
    if (objectness < options.scoreThreshold) continue;
    let best = -Infinity;
    let classId = 0;
    for (let c = 0; c < classes; c++) {
      const s = output.data[row + 5 + c] ?? 0;
      if (s > best) {
        best = s;
        classId = c;
      }
    }
    const score = best * objectness;
    if (score < options.scoreThreshold) continue;
    const { gx, gy, stride } = grid[a] as { gx: number; gy: number; stride: number };
    const cx = ((output.data[row] ?? 0) + gx) * stride;
    const cy = ((output.data[row + 1] ?? 0) + gy) * stride;
    const w = Math.exp(output.data[row + 2] ?? 0) * stride;
    const h = Math.exp(output.data[row + 3] ?? 0) * stride;
    candidates.push({ classId, score, x1: cx - w / 2, y1: cy - h / 2, x2: cx + w / 2, y2: cy + h / 2 });
  }
  return nonMaxSuppression(candidates, options.iouThreshold, options.maxDetections);
}
