import type { RawDetection } from './types';

export function iou(a: RawDetection, b: RawDetection): number {
  const ix = Math.max(0, Math.min(a.x2, b.x2) - Math.max(a.x1, b.x1));
  const iy = Math.max(0, Math.min(a.y2, b.y2) - Math.max(a.y1, b.y1));
  const inter = ix * iy;
  if (inter <= 0) return 0;
  const areaA = Math.max(0, a.x2 - a.x1) * Math.max(0, a.y2 - a.y1);
  const areaB = Math.max(0, b.x2 - b.x1) * Math.max(0, b.y2 - b.y1);
  return inter / (areaA + areaB - inter);
}

/**
 * Greedy non-maximum suppression, per class unless `classAgnostic`. Highest score first; ties keep input
 * order, so the result is deterministic.
 */
export function nonMaxSuppression(
  detections: readonly RawDetection[],
  iouThreshold: number,
  maxDetections: number,
  classAgnostic = false,
): RawDetection[] {
  const sorted = detections.map((d, i) => ({ d, i })).sort((a, b) => b.d.score - a.d.score || a.i - b.i);
  const kept: RawDetection[] = [];
  for (const { d } of sorted) {
    if (kept.length >= maxDetections) break;
    const overlaps = kept.some((k) => (classAgnostic || k.classId === d.classId) && iou(k, d) > iouThreshold);
    if (!overlaps) kept.push(d);
  }
  return kept;
}
