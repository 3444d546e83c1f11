export interface RetryPolicy {
  /** Handler calls in total, the first one included (1 = no retry). */
  attempts: number;
  initialMs: number;
  maxMs: number;
  /** Growth per retry; default 2. */
  multiplier?: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 5, initialMs: 200, maxMs: 10_000, multiplier: 2 };

export function validateRetryPolicy(policy: RetryPolicy): RetryPolicy {
  const { attempts, initialMs, maxMs, multiplier = 2 } = policy;
  if (!Number.isInteger(attempts) || attempts < 1)
    throw new Error(`retry.attempts must be an integer ≥ 1 (got ${attempts})`);
  if (!(initialMs >= 0)) throw new Error(`retry.initialMs must be ≥ 0 (got ${initialMs})`);
  if (!(maxMs >= initialMs))
    throw new Error(`retry.maxMs must be ≥ retry.initialMs (got ${maxMs} < ${initialMs})`);
  if (!(multiplier >= 1)) throw new Error(`retry.multiplier must be ≥ 1 (got ${multiplier})`);
  return { attempts, initialMs, maxMs, multiplier };
}

/** Upper bound of the wait after failed attempt `attempt` (1-based): initial × multiplier^(attempt-1), capped at maxMs. */
export function backoffCeiling(policy: RetryPolicy, attempt: number): number {
  const exponent = Math.max(0, attempt - 1);
  return Math.min(policy.maxMs, policy.initialMs * (policy.multiplier ?? 2) ** exponent);
}

/**
 * Wait after failed attempt `attempt`: "equal jitter" — half the ceiling fixed, half random — so retries of many
 * consumers spread out but a retry never comes sooner than half the schedule. `random` is injectable for tests.
 */
export function backoffDelay(
  policy: RetryPolicy,
  attempt: number,
  random: () => number = Math.random,
): number {
  const ceiling = backoffCeiling(policy, attempt);
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/** Resolves after `ms`, or early (false) when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve(false);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
