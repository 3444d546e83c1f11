import { describe, expect, it } from 'vitest';
import { backoffCeiling, backoffDelay, sleep, validateRetryPolicy } from './backoff';

const policy = { attempts: 6, initialMs: 100, maxMs: 1_000, multiplier: 2 };

describe('backoff schedule', () => {
  it('grows exponentially from initialMs and is capped at maxMs', () => {
    expect([1, 2, 3, 4, 5, 6].map((a) => backoffCeiling(policy, a))).toEqual([
      100, 200, 400, 800, 1_000, 1_000,
    ]);
  });

  it('uses multiplier 2 when none is given', () => {
    expect(backoffCeiling({ attempts: 3, initialMs: 50, maxMs: 10_000 }, 3)).toBe(200);
  });

  it('jitters between half the ceiling and the ceiling', () => {
    expect(backoffDelay(policy, 3, () => 0)).toBe(200);
    expect(backoffDelay(policy, 3, () => 0.999_999)).toBe(400);
    for (let i = 0; i < 200; i += 1) {
      const delay = backoffDelay(policy, 4);
      expect(delay).toBeGreaterThanOrEqual(400);
      expect(delay).toBeLessThanOrEqual(800);
    }
  });

  it('rejects policies that cannot work, naming the field', () => {
    expect(() => validateRetryPolicy({ ...policy, attempts: 0 })).toThrow(/retry.attempts/);
    expect(() => validateRetryPolicy({ ...policy, maxMs: 10 })).toThrow(/retry.maxMs/);
    expect(() => validateRetryPolicy({ ...policy, multiplier: 0.5 })).toThrow(/retry.multiplier/);
    expect(validateRetryPolicy({ attempts: 2, initialMs: 1, maxMs: 2 }).multiplier).toBe(2);
  });

  it('sleep ends early, returning false, when aborted', async () => {
    const controller = new AbortController();
    const started = Date.now();
    const pending = sleep(5_000, controller.signal);
    controller.abort();
    expect(await pending).toBe(false);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(await sleep(1)).toBe(true);
  });
});
