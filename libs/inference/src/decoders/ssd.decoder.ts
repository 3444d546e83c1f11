import { nonMaxSuppression } from './nms';
import { type DetectionThresholds, type RawDetection, type Size, type TensorView } from './types';

export interface SsdOptions extends DetectionThresholds {
  boxFormat: 'yxyx' | 'xyxy';
  normalized: boolean;
  backgroundClass?: number | undefined;
}

export interface SsdOutputs {
  /** [1, N, 4] */
  boxes: TensorView;
  /** [1, N, C] per-class scores, or [1, N] with `classes`. */
  scores: TensorView;
  /** [1, N] class ids (post-processed exports such as the TF Object Detection API). */
  classes?: TensorView | undefined;
  /** [1] number of valid rows. */
  count?: TensorView | undefined;
}

/** Decodes SSD-style box/score outputs (already anchor-decoded), applying thresholds and per-class NMS. */
export function decodeSsd(outputs: SsdOutputs, input: Size, options: SsdOptions): RawDetection[] {
  const { boxes, scores, classes, count } = outputs;
  const rows = boxes.dims.length === 3 ? (boxes.dims[1] ?? 0) : (boxes.dims[0] ?? 0);
  if ((boxes.dims.at(-1) ?? 0) !== 4 || boxes.data.length !== rows * 4) {
    throw new Error(`ssd boxes: expected [1, N, 4], got [${boxes.dims.join(', ')}]`);
  }
  const valid = count ? Math.min(rows, Math.round(count.data[0] ?? 0)) : rows;
  const perClass = !classes;
  const numClasses = perClass ? scores.data.length / rows : 1;
  if (!Number.isInteger(numClasses) || numClasses < 1 || (classes && classes.data.length < rows)) {
    throw new Error(`ssd scores/classes do not match ${rows} boxes`);
  }
  const sx = options.normalized ? input.width : 1;
  const sy = options.normalized ? input.height : 1;
  const candidates: RawDetection[] = [];
  for (let i = 0; i < valid; i++) {
    let classId: number;
    let score: number;
    if (perClass) {
      score = -Infinity;
      classId = 0;
      for (let c = 0; c < numClasses; c++) {
        if (c === options.backgroundClass) continue;
        const s = scores.data[i * numClasses + c] ?? 0;
        if (s > score) {
          score = s;
          classId = c;
        }
      }
    } else {
      score = scores.data[i] ?? 0;
      classId = Math.round(classes?.data[i] ?? 0);
      if (classId === options.backgroundClass) continue;
    }
    if (score < options.scoreThreshold) continue;
    const b = [0, 1, 2, 3].map((k) => boxes.data[i * 4 + k] ?? 0) as [number, number, number, number];
    const [x1, y1, x2, y2] = options.boxFormat === 'yxyx' ? [b[1], b[0], b[3], b[2]] : b;
    candidates.push({ classId, score, x1: x1 * sx, y1: y1 * sy, x2: x2 * sx, y2: y2 * sy });
  }
  return nonMaxSuppression(candidates, options.iouThreshold, options.maxDetections);
}
