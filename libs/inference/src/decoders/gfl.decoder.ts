import { nonMaxSuppression } from './nms';
import { type DetectionThresholds, type RawDetection, type Size, type TensorView } from './types';

export interface GflLevel {
  stride: number;
  /** [1, N, C], sigmoid-activated. */
  scores: TensorView;
  /** [1, N, 4 * (regMax + 1)]: a discrete distribution of each side's distance (left, top, right, bottom). */
  boxes: TensorView;
}

export interface GflOptions extends DetectionThresholds {
  regMax: number;
}

/**
 * Decodes Generalized Focal Loss heads (NanoDet): each cell's box sides are the expectation of a softmax over
 * regMax + 1 bins, in units of the level's stride, measured from the cell centre.
 */
export function decodeGfl(levels: readonly GflLevel[], input: Size, options: GflOptions): RawDetection[] {
  const bins = options.regMax + 1;
  const candidates: RawDetection[] = [];
  const probabilities = new Float64Array(bins);
  for (const level of levels) {
    const width = Math.ceil(input.width / level.stride);
    const cells = level.scores.dims[1] ?? 0;
    const classes = level.scores.dims[2] ?? 0;
    if (level.boxes.dims[2] !== 4 * bins || level.boxes.dims[1] !== cells) {
      throw new Error(
        `gfl stride ${level.stride}: boxes [${level.boxes.dims.join(', ')}] do not match scores [${level.scores.dims.join(', ')}] and regMax ${options.regMax}`,
      );
    }
    for (let cell = 0; cell < cells; cell++) {
      let score = -Infinity;
      let classId = 0;
      for (let c = 0; c < classes; c++) {
        const s = level.scores.data[cell * classes + c] ?? 0;
        if (s > score) {
          score = s;
          classId = c;
        }
      }
      if (score < options.scoreThreshold) continue;
      const cx = ((cell % width) + 0.5) * level.stride;
      const cy = (Math.floor(cell / width) + 0.5) * level.stride;
      const distances = [0, 1, 2, 3].map((side) => {
        const base = cell * 4 * bins + side * bins;
        let max = -Infinity;
        for (let b = 0; b < bins; b++) max = Math.max(max, level.boxes.data[base + b] ?? 0);
        let sum = 0;
        for (let b = 0; b < bins; b++) {
          probabilities[b] = Math.exp((level.boxes.data[base + b] ?? 0) - max);
          sum += probabilities[b] ?? 0;
        }
        let expectation = 0;
        for (let b = 0; b < bins; b++) expectation += ((probabilities[b] ?? 0) / sum) * b;
        return expectation * level.stride;
      }) as [number, number, number, number];
      candidates.push({
        classId,
        score,
        x1: cx - distances[0],
        y1: cy - distances[1],
        x2: cx + distances[2],
        y2: cy + distances[3],
      });
    }
  }
  return nonMaxSuppression(candidates, options.iouThreshold, options.maxDetections);
}
