import type { EdgeDef } from '@imageflow/pipeline';
import { describe, expect, it } from 'vitest';
import type { Detection, RunDetails, RunStep } from '../api/types';
import { overlayFor } from './outputs';

const step = (nodeId: string, outputs: RunStep['outputs']): RunStep =>
  ({ nodeId, status: 'completed', outputs }) as RunStep;
const image = (url: string) => ({ port: 'image', kind: 'IMAGE', object: { bucket: 'b', key: url, url } });
const detection = (nodeId: string, idx: number): Detection => ({
  nodeId,
  idx,
  port: 'detections',
  label: 'blob',
  score: 1,
  box: { x: idx, y: 0, width: 5, height: 5 },
  text: null,
  classId: null,
});
const edges: EdgeDef[] = [
  { from: { node: 'source', port: 'image' }, to: { node: 'resize', port: 'image' } },
  { from: { node: 'resize', port: 'image' }, to: { node: 'blobs', port: 'image' } },
  { from: { node: 'resize', port: 'image' }, to: { node: 'annotate', port: 'image' } },
  { from: { node: 'blobs', port: 'detections' }, to: { node: 'annotate', port: 'detections' } },
  { from: { node: 'source', port: 'image' }, to: { node: 'blobs-raw', port: 'image' } },
];
const details = {
  steps: [
    step('resize', [image('u-resize')]),
    step('blobs', [{ port: 'detections', kind: 'DETECTIONS', object: null }]),
    step('annotate', [image('u-annotate')]),
    step('blobs-raw', []),
  ],
  detections: [detection('blobs', 0), detection('blobs', 1)],
} as unknown as RunDetails;

describe('overlayFor', () => {
  it("draws a detector's boxes on the image it worked on", () => {
    const o = overlayFor(details, 'blobs', edges);
    expect(o.image).toEqual({ from: 'step', nodeId: 'resize', port: 'image', url: 'u-resize' });
    expect(o.own).toBe(false);
    expect(o.detections.map((d) => d.idx)).toEqual([0, 1]);
  });

  it('shows a node its own output image without the boxes it was given (they are drawn in already)', () => {
    const o = overlayFor(details, 'annotate', edges);
    expect(o).toMatchObject({ own: true, image: { url: 'u-annotate' }, detections: [] });
  });

  it('goes back to the run input image when nothing upstream made one', () => {
    expect(overlayFor(details, 'blobs-raw', edges).image).toEqual({ from: 'source' });
  });
});
