import { describe, expect, it } from 'vitest';
import { decodeGfl } from './gfl.decoder';
import { iou, nonMaxSuppression } from './nms';
import { decodeClassification, softmax } from './softmax.decoder';
import { decodeSsd } from './ssd.decoder';
import type { RawDetection } from './types';
import { decodeYolo, decodeYolox } from './yolo.decoder';

const box = (
  classId: number,
  score: number,
  x1: number,
  y1: number,
  x2: number,
  y2: number,
): RawDetection => ({ classId, score, x1, y1, x2, y2 });
const thresholds = { scoreThreshold: 0.3, iouThreshold: 0.5, maxDetections: 10 };

describe('nms', () => {
  it('computes intersection over union', () => {
    expect(iou(box(0, 1, 0, 0, 10, 10), box(0, 1, 0, 0, 10, 10))).toBe(1);
    expect(iou(box(0, 1, 0, 0, 10, 10), box(0, 1, 5, 0, 15, 10))).toBeCloseTo(50 / 150);
    expect(iou(box(0, 1, 0, 0, 10, 10), box(0, 1, 20, 20, 30, 30))).toBe(0);
  });

  it('keeps the best of overlapping boxes per class, and boxes of other classes', () => {
    const kept = nonMaxSuppression(
      [
        box(0, 0.6, 1, 1, 11, 11),
        box(0, 0.9, 0, 0, 10, 10),
        box(1, 0.5, 0, 0, 10, 10),
        box(0, 0.4, 50, 50, 60, 60),
      ],
      0.5,
      10,
    );
    expect(kept.map((d) => [d.classId, d.score])).toEqual([
      [0, 0.9],
      [1, 0.5],
      [0, 0.4],
    ]);
    expect(
      nonMaxSuppression([box(0, 0.9, 0, 0, 10, 10), box(1, 0.5, 0, 0, 10, 10)], 0.5, 10, true),
    ).toHaveLength(1);
    expect(nonMaxSuppression([box(0, 0.9, 0, 0, 1, 1), box(0, 0.8, 5, 5, 6, 6)], 0.5, 1)).toHaveLength(1);
  });
});

describe('yolo decoders', () => {
  // Two anchors, two classes. cx, cy, w, h, [obj], c0, c1
  const anchors = [
    [50, 40, 20, 10, 0.9, 0.1, 0.8],
    [52, 41, 20, 10, 0.8, 0.1, 0.7], // overlaps the first: suppressed
  ];

  it('decodes anchors-first with objectness (YOLOv5)', () => {
    const out = { data: anchors.flat(), dims: [1, 2, 7] };
    const dets = decodeYolo(out, {
      layout: 'anchors-first',
      objectness: true,
      boxFormat: 'cxcywh',
      ...thresholds,
    });
    expect(dets).toHaveLength(1);
    expect(dets[0]).toMatchObject({ classId: 1, x1: 40, y1: 35, x2: 60, y2: 45 });
    expect(dets[0]?.score).toBeCloseTo(0.72);
  });

  it('decodes channels-first without objectness (YOLOv8+)', () => {
    const rows = anchors.map((a) => [...a.slice(0, 4), ...a.slice(5)]);
    const data = [0, 1, 2, 3, 4, 5].flatMap((k) => rows.map((r) => r[k] ?? NaN));
    const dets = decodeYolo(
      { data, dims: [1, 6, 2] },
      { layout: 'channels-first', objectness: false, boxFormat: 'cxcywh', ...thresholds },
    );
    expect(dets).toHaveLength(1);
    expect(dets[0]).toMatchObject({ classId: 1, score: 0.8, x1: 40, x2: 60 });
  });

  it('decodes a raw YOLOX head over its stride grids', () => {
    // 16x16 input, strides 8 and 16: 4 + 1 anchors. Anchor 3 = stride 8 cell (1, 1).
    const rows = Array.from({ length: 5 }, () => [0, 0, 0, 0, 0.01, 0.01]);
    rows[3] = [0.5, 0.5, Math.log(2), Math.log(1), 0.9, 0.9];
    const dets = decodeYolox(
      { data: rows.flat(), dims: [1, 5, 6] },
      { width: 16, height: 16 },
      { strides: [8, 16], ...thresholds },
    );
    expect(dets).toHaveLength(1);
    // centre (1.5*8, 1.5*8) = (12, 12), size (16, 8)
    expect(dets[0]).toMatchObject({ classId: 0, x1: 4, y1: 8, x2: 20, y2: 16 });
    expect(() =>
      decodeYolox(
        { data: rows.flat(), dims: [1, 5, 6] },
        { width: 32, height: 32 },
        { strides: [8], ...thresholds },
      ),
    ).toThrow(/anchors/);
  });
});

describe('ssd decoder', () => {
  it('decodes post-processed boxes/scores/classes with a count, normalised yxyx', () => {
    const dets = decodeSsd(
      {
        boxes: { data: [0.1, 0.2, 0.5, 0.6, 0, 0, 1, 1, 0, 0, 0, 0], dims: [1, 3, 4] },
        scores: { data: [0.9, 0.2, 0.95], dims: [1, 3] },
        classes: { data: [1, 1, 1], dims: [1, 3] },
        count: { data: [2], dims: [1] },
      },
      { width: 300, height: 100 },
      { boxFormat: 'yxyx', normalized: true, ...thresholds },
    );
    expect(dets).toHaveLength(1); // the third row is beyond the count, the second under the threshold
    expect(dets[0]?.x1).toBeCloseTo(60);
    expect(dets[0]?.y1).toBeCloseTo(10);
    expect(dets[0]?.x2).toBeCloseTo(180);
    expect(dets[0]?.y2).toBeCloseTo(50);
  });

  it('decodes per-class scores, skipping the background class', () => {
    const dets = decodeSsd(
      {
        boxes: { data: [10, 10, 20, 20], dims: [1, 1, 4] },
        scores: { data: [0.99, 0.1, 0.7], dims: [1, 1, 3] },
      },
      { width: 100, height: 100 },
      { boxFormat: 'xyxy', normalized: false, backgroundClass: 0, ...thresholds },
    );
    expect(dets).toEqual([{ classId: 2, score: 0.7, x1: 10, y1: 10, x2: 20, y2: 20 }]);
  });
});

describe('gfl decoder (NanoDet)', () => {
  it('takes each side as the expectation of its distance distribution from the cell centre', () => {
    // 16x16 input, stride 8: 2x2 cells, 1 class, regMax 2 (3 bins).
    const scores = [0.1, 0.1, 0.1, 0.9];
    const oneHot = (bin: number) => [0, 1, 2].map((b) => (b === bin ? 20 : 0));
    const boxes = [
      ...[0, 0, 0, 0].flatMap(() => oneHot(0)),
      ...[0, 0, 0, 0].flatMap(() => oneHot(0)),
      ...[0, 0, 0, 0].flatMap(() => oneHot(0)),
      ...[oneHot(1), oneHot(1), oneHot(2), oneHot(0)].flat(),
    ];
    const dets = decodeGfl(
      [{ stride: 8, scores: { data: scores, dims: [1, 4, 1] }, boxes: { data: boxes, dims: [1, 4, 12] } }],
      { width: 16, height: 16 },
      { regMax: 2, ...thresholds },
    );
    expect(dets).toHaveLength(1);
    // cell (1, 1): centre (12, 12); left 1*8, top 1*8, right 2*8, bottom 0
    expect(dets[0]?.x1).toBeCloseTo(4, 3);
    expect(dets[0]?.y1).toBeCloseTo(4, 3);
    expect(dets[0]?.x2).toBeCloseTo(28, 3);
    expect(dets[0]?.y2).toBeCloseTo(12, 3);
  });
});

describe('classification', () => {
  it('softmax sums to one and keeps order', () => {
    const p = softmax([1, 2, 3]);
    expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1);
    expect(p[2]).toBeGreaterThan(p[1] ?? 1);
  });

  it('returns the top k classes', () => {
    expect(
      decodeClassification({ data: [0.1, 0.7, 0.2], dims: [1, 3] }, { applySoftmax: false, topK: 2 }),
    ).toEqual([
      { classId: 1, score: 0.7 },
      { classId: 2, score: 0.2 },
    ]);
  });
});
