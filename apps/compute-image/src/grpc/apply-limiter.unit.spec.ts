import { describe, expect, it } from 'vitest';
import { ApplyLimiter, SaturatedError } from './apply-limiter';

const deferred = () => {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
};

describe('ApplyLimiter', () => {
  it('runs up to the limit at once, queues up to the queue bound, refuses beyond, and drains in order', async () => {
    const limiter = new ApplyLimiter(2, 1);
    const [g0, g1, g2] = [deferred(), deferred(), deferred()];
    const gates = [g0, g1, g2];
    const order: number[] = [];
    const runs = gates.map((g, i) =>
      limiter.run(async () => {
        order.push(i);
        await g.promise;
        return i;
      }),
    );
    await Promise.resolve();
    expect(limiter.stats).toEqual({ running: 2, queued: 1 });
    await expect(limiter.run(async () => 99)).rejects.toBeInstanceOf(SaturatedError);
    g0.resolve();
    await runs[0];
    await new Promise((r) => setImmediate(r));
    expect(order).toEqual([0, 1, 2]);
    expect(limiter.stats).toEqual({ running: 2, queued: 0 });
    g1.resolve();
    g2.resolve();
    expect(await Promise.all(runs)).toEqual([0, 1, 2]);
    expect(limiter.stats).toEqual({ running: 0, queued: 0 });
  });

  it('frees the slot when a task or its pre-start check throws', async () => {
    const limiter = new ApplyLimiter(1, 0);
    await expect(limiter.run(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(
      limiter.run(
        async () => 1,
        () => {
          throw new Error('deadline passed');
        },
      ),
    ).rejects.toThrow('deadline passed');
    expect(await limiter.run(async () => 'ok')).toBe('ok');
    expect(limiter.stats).toEqual({ running: 0, queued: 0 });
  });
});
