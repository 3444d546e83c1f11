import { expectDims, type TensorView } from '../decoders/types';

export interface DbOptions {
  binaryThreshold: number;
  boxThreshold: number;
  unclipRatio: number;
  minSize: number;
  maxCandidates: number;
}

/** A text region in the probability map's pixel space (x2/y2 exclusive). */
export interface RawTextBox {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  score: number;
}

/**
 * Differentiable Binarization post-processing (PP-OCR): threshold the probability map, take 8-connected regions,
 * score each by the mean probability inside its bounding box, drop weak or tiny ones, and grow each box by
 * `area * unclipRatio / perimeter` (the DB paper's unclip offset) because the model predicts shrunk text kernels.
 * Boxes are axis-aligned: labels and serial plates on a line are upright (rotate the image first otherwise).
 * Result in reading order: top to bottom, then left to right.
 */
export function decodeDb(map: TensorView, options: DbOptions): RawTextBox[] {
  expectDims('db probability map', map, 4);
  const height = map.dims[2] ?? 0;
  const width = map.dims[3] ?? 0;
  const prob = map.data;
  const labels = new Int32Array(width * height);
  const stack = new Int32Array(width * height);
  const boxes: RawTextBox[] = [];
  let regions = 0;

  for (let start = 0; start < width * height; start++) {
    if (labels[start] !== 0 || (prob[start] ?? 0) <= options.binaryThreshold) continue;
    if (regions >= options.maxCandidates) break;
    regions++;
    let minX = width;
    let minY = height;
    let maxX = -1;
    let maxY = -1;
    let top = 0;
    stack[top++] = start;
    labels[start] = regions;
    while (top > 0) {
      const p = stack[--top] ?? 0;
      const x = p % width;
      const y = (p - x) / width;
      if (x < minX) minX = x;
      if (x > maxX) maxX = x;
      if (y < minY) minY = y;
      if (y > maxY) maxY = y;
      for (let dy = -1; dy <= 1; dy++) {
        const ny = y + dy;
        if (ny < 0 || ny >= height) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const nx = x + dx;
          if (nx < 0 || nx >= width || (dx === 0 && dy === 0)) continue;
          const q = ny * width + nx;
          if (labels[q] === 0 && (prob[q] ?? 0) > options.binaryThreshold) {
            labels[q] = regions;
            stack[top++] = q;
          }
        }
      }
    }
    const w = maxX - minX + 1;
    const h = maxY - minY + 1;
    if (Math.min(w, h) < options.minSize) continue;
    let sum = 0;
    for (let y = minY; y <= maxY; y++) for (let x = minX; x <= maxX; x++) sum += prob[y * width + x] ?? 0;
    const score = sum / (w * h);
    if (score < options.boxThreshold) continue;
    const offset = (w * h * options.unclipRatio) / (2 * (w + h));
    const box = {
      x1: Math.max(0, minX - offset),
      y1: Math.max(0, minY - offset),
      x2: Math.min(width, maxX + 1 + offset),
      y2: Math.min(height, maxY + 1 + offset),
      score,
    };
    if (Math.min(box.x2 - box.x1, box.y2 - box.y1) < options.minSize + 2) continue;
    boxes.push(box);
  }
  return sortReadingOrder(boxes);
}

/** Top to bottom; boxes whose vertical centres are within half a line height count as one line, left to right. */
export function sortReadingOrder<T extends { x1: number; y1: number; y2: number }>(boxes: T[]): T[] {
  const sorted = [...boxes].sort((a, b) => a.y1 - b.y1 || a.x1 - b.x1);
  const lines: T[][] = [];
  for (const box of sorted) {
    const centre = (box.y1 + box.y2) / 2;
    const line = lines.find((l) => {
      const first = l[0] as T;
      return Math.abs((first.y1 + first.y2) / 2 - centre) < (first.y2 - first.y1) / 2;
    });
    if (line) line.push(box);
    else lines.push([box]);
  }
  return lines.flatMap((line) => line.sort((a, b) => a.x1 - b.x1));
}
