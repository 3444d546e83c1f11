import { describe, expect, it } from 'vitest';
import { concatBatch, numericView, splitBatch } from './tensor';

describe('batch tensors', () => {
  it('stacks and splits along the batch dimension', () => {
    const a = { type: 'float32' as const, data: new Float32Array([1, 2, 3]), dims: [1, 3] };
    const b = { type: 'float32' as const, data: new Float32Array([4, 5, 6]), dims: [1, 3] };
    const batch = concatBatch([a, b]);
    expect(batch.dims).toEqual([2, 3]);
    expect(Array.from(numericView(batch).data)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(splitBatch(batch, 2).map((t) => Array.from(numericView(t).data))).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
  });

  it('refuses mixed shapes and a wrong batch size', () => {
    expect(() =>
      concatBatch([
        { type: 'uint8', data: new Uint8Array(2), dims: [1, 2] },
        { type: 'uint8', data: new Uint8Array(3), dims: [1, 3] },
      ]),
    ).toThrow(/shapes differ/);
    expect(() => splitBatch({ type: 'uint8', data: new Uint8Array(2), dims: [1, 2] }, 2)).toThrow(
      /expected 2/,
    );
  });
});
