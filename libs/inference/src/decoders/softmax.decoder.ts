import type { TensorView } from './types';

export interface ClassScore {
  classId: number;
  score: number;
}

export function softmax(values: ArrayLike<number>): Float64Array {
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) max = Math.max(max, values[i] ?? 0);
  const out = new Float64Array(values.length);
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    out[i] = Math.exp((values[i] ?? 0) - max);
    sum += out[i] ?? 0;
  }
  for (let i = 0; i < out.length; i++) out[i] = (out[i] ?? 0) / sum;
  return out;
}

/** Top-k classes of one image's scores [1, C] (or [C]); ties keep the lower class id first. */
export function decodeClassification(
  output: TensorView,
  options: { applySoftmax: boolean; topK: number },
): ClassScore[] {
  const values = options.applySoftmax ? softmax(output.data) : output.data;
  const ranked: ClassScore[] = [];
  for (let i = 0; i < values.length; i++) ranked.push({ classId: i, score: values[i] ?? 0 });
  ranked.sort((a, b) => b.score - a.score || a.classId - b.classId);
  return ranked.slice(0, options.topK);
}
