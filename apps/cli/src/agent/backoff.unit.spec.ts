import { describe, expect, it } from 'vitest';
import { backoffDelay, sleep } from './backoff';

const policy = { initialMs: 100, maxMs: 1_000, factor: 2 };

describe('backoffDelay', () => {
  it('doubles per attempt up to the cap (upper bound with jitter at its top)', () => {
    const top = () => 1;
    expect([1, 2, 3, 4, 5, 6].map((a) => backoffDelay(a, policy, null, top))).toEqual([
      100, 200, 400, 800, 1000, 1000,
    ]);
  });

  it('jitters within [half, full] of the step', () => {
    expect(backoffDelay(3, policy, null, () => 0)).toBe(200);
    for (let i = 0; i < 200; i++) {
      const d = backoffDelay(3, policy);
      expect(d).toBeGreaterThanOrEqual(200);
      expect(d).toBeLessThanOrEqual(400);
    }
  });

  it('waits at least what Retry-After asks', () => {
    expect(backoffDelay(1, policy, 5_000, () => 0)).toBe(5_000);
    expect(backoffDelay(1, policy, 10, () => 0)).toBe(50);
  });
});

describe('sleep', () => {
  it('wakes early when aborted', async () => {
    const abort = new AbortController();
    const started = Date.now();
    setTimeout(() => abort.abort(), 20);
    expect(await sleep(5_000, abort.signal)).toBe(false);
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});
