import { describe, expect, it } from 'vitest';
import { DynamicBatcher } from './dynamic-batcher';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('DynamicBatcher', () => {
  it('runs requests that arrive together as one batch, results in order', async () => {
    const batches: number[][] = [];
    const batcher = new DynamicBatcher<number, number>(
      async (items) => {
        batches.push(items);
        return items.map((i) => i * 10);
      },
      () => 'k',
      { maxBatchSize: 8, maxDelayMs: 20, maxConcurrentBatches: 1 },
    );
    const results = await Promise.all([1, 2, 3].map((i) => batcher.submit(i)));
    expect(results).toEqual([10, 20, 30]);
    expect(batches).toEqual([[1, 2, 3]]);
  });

  it('starts a batch as soon as it is full, and never mixes keys', async () => {
    const batches: string[][] = [];
    const batcher = new DynamicBatcher<string, string>(
      async (items) => {
        batches.push(items);
        return items;
      },
      (s) => s.charAt(0),
      { maxBatchSize: 2, maxDelayMs: 1_000, maxConcurrentBatches: 4 },
    );
    const started = Date.now();
    await Promise.all(['a1', 'b1', 'a2', 'b2'].map((s) => batcher.submit(s)));
    expect(Date.now() - started).toBeLessThan(500);
    expect(batches).toEqual([
      ['a1', 'a2'],
      ['b1', 'b2'],
    ]);
  });

  it('queues while a batch runs, so load fills the next batch', async () => {
    const sizes: number[] = [];
    const batcher = new DynamicBatcher<number, number>(
      async (items) => {
        await sleep(30);
        return items;
      },
      () => 'k',
      { maxBatchSize: 16, maxDelayMs: 0, maxConcurrentBatches: 1 },
      { onBatch: (size) => sizes.push(size) },
    );
    const first = batcher.submit(0);
    await sleep(1);
    const rest = [1, 2, 3, 4, 5].map((i) => batcher.submit(i));
    expect(batcher.waiting).toBe(5);
    await Promise.all([first, ...rest]);
    expect(sizes).toEqual([1, 5]);
  });

  it('fails every item of a failed batch and keeps working', async () => {
    let fail = true;
    const batcher = new DynamicBatcher<number, number>(
      async (items) => {
        if (fail) throw new Error('boom');
        return items;
      },
      () => 'k',
      { maxBatchSize: 4, maxDelayMs: 5, maxConcurrentBatches: 1 },
    );
    const failed = await Promise.allSettled([batcher.submit(1), batcher.submit(2)]);
    expect(failed.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    fail = false;
    await expect(batcher.submit(3)).resolves.toBe(3);
  });

  it('rejects a run that returns the wrong number of results', async () => {
    const batcher = new DynamicBatcher<number, number>(
      async () => [],
      () => 'k',
      { maxBatchSize: 1, maxDelayMs: 0, maxConcurrentBatches: 1 },
    );
    await expect(batcher.submit(1)).rejects.toThrow(/returned 0 results/);
  });
});
