import type { Detection } from '../../core/part';
import type { JsonSchema } from '../../core/parameters';

export interface DetectionFilter {
  label: string;
  minScore: number;
}

export const detectionFilterSchema: Record<string, JsonSchema> = {
  label: { type: 'string', default: '', description: 'Only detections with this label; empty = any label.' },
  minScore: {
    type: 'number',
    minimum: 0,
    maximum: 1,
    default: 0,
    description: 'Only detections scoring at least this.',
  },
};

/** Detections passing the filter, best score first (ties keep their input order, so results are deterministic). */
export function selectDetections(detections: Detection[], filter: DetectionFilter): Detection[] {
  return detections
    .map((d, i) => ({ d, i }))
    .filter(({ d }) => (filter.label === '' || d.label === filter.label) && d.score >= filter.minScore)
    .sort((a, b) => b.d.score - a.d.score || a.i - b.i)
    .map(({ d }) => d);
}

/** Grows a box by a fraction of its own size on every side. */
export const padBox = (d: Detection, padding: number): Detection => ({
  ...d,
  x: d.x - d.width * padding,
  y: d.y - d.height * padding,
  width: d.width * (1 + 2 * padding),
  height: d.height * (1 + 2 * padding),
});
