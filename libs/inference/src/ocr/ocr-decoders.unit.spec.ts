import { describe, expect, it } from 'vitest';
import { decodeCtc } from './ctc.decoder';
import { decodeDb, sortReadingOrder } from './db.decoder';

const options = { binaryThreshold: 0.3, boxThreshold: 0.6, unclipRatio: 1.5, minSize: 3, maxCandidates: 100 };

function map(width: number, height: number, rects: Array<[number, number, number, number, number]>) {
  const data = new Float32Array(width * height);
  for (const [x1, y1, x2, y2, p] of rects)
    for (let y = y1; y < y2; y++) for (let x = x1; x < x2; x++) data[y * width + x] = p;
  return { data, dims: [1, 1, height, width] };
}

describe('DB post-processing', () => {
  it('finds text kernels, grows them by the unclip offset, in reading order', () => {
    const boxes = decodeDb(
      map(100, 60, [
        [50, 40, 90, 50, 0.9],
        [10, 10, 40, 20, 0.95],
        [60, 10, 62, 12, 0.9],
      ]),
      options,
    );
    expect(boxes).toHaveLength(2); // the 2x2 blob is below minSize
    const [first, second] = boxes;
    // 30x10 kernel: offset = 300 * 1.5 / 80 = 5.625
    expect(first?.x1).toBeCloseTo(10 - 5.625);
    expect(first?.y1).toBeCloseTo(10 - 5.625);
    expect(first?.x2).toBeCloseTo(40 + 5.625);
    expect(first?.score).toBeCloseTo(0.95);
    expect(second?.y1).toBeGreaterThan(first?.y1 ?? Infinity);
  });

  it('drops weak regions and clips to the map', () => {
    expect(decodeDb(map(50, 50, [[5, 5, 30, 15, 0.4]]), options)).toEqual([]);
    const [b] = decodeDb(map(50, 50, [[0, 0, 30, 10, 0.9]]), options);
    expect(b?.x1).toBe(0);
    expect(b?.y1).toBe(0);
  });

  it('orders boxes on one line left to right', () => {
    const sorted = sortReadingOrder([
      { x1: 50, y1: 11, y2: 21 },
      { x1: 5, y1: 10, y2: 20 },
      { x1: 0, y1: 40, y2: 50 },
    ]);
    expect(sorted.map((b) => b.x1)).toEqual([5, 50, 0]);
  });
});

describe('CTC decoding', () => {
  const dictionary = ['A', 'B', '-'];
  // classes: 0 blank, 1 A, 2 B, 3 -, 4 space
  const steps = (...best: number[]) => ({
    data: best.flatMap((k) => [0, 1, 2, 3, 4].map((c) => (c === k ? 0.9 : 0.025))),
    dims: [1, best.length, 5],
  });

  it('collapses repeats, drops blanks and maps the space class', () => {
    expect(
      decodeCtc(steps(1, 1, 0, 1, 3, 3, 4, 2, 0), dictionary, { blankIndex: 0, appendSpace: true }),
    ).toEqual({ text: 'AA- B', score: 0.9 });
  });

  it('returns empty text for all blanks, and rejects a dictionary that does not fit the model', () => {
    expect(decodeCtc(steps(0, 0), dictionary, { blankIndex: 0, appendSpace: true })).toEqual({
      text: '',
      score: 0,
    });
    expect(() => decodeCtc(steps(1), ['A'], { blankIndex: 0, appendSpace: true })).toThrow(/dictionary/);
  });
});
