// Where the local stack listens and where the Prometheus files live. Defaults match ARCHITECTURE.md;
// tools/stack/env.sh sets the same variable names.
import { join } from 'node:path';

const repoRoot = join(__dirname, '..', '..', '..');
const env = (name: string, fallback: string): string => process.env[name] ?? fallback;

export const stack = {
  repoRoot,
  kafkaBrokers: env('KAFKA_BROKERS', '127.0.0.1:9092').split(','),
  prometheusUrl: env('PROMETHEUS_URL', 'http://127.0.0.1:9090'),
  prometheusDir: join(repoRoot, 'deploy', 'prometheus'),
} as const;

/** A name no earlier run has used, so tests never see each other's topics or groups. */
export const uniqueName = (prefix: string): string =>
  `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;

/** Polls `probe` until it returns a value, or fails with the last error (or last seen state) after `timeoutMs`. */
export async function eventually<T>(
  probe: () => Promise<T | undefined>,
  timeoutMs = 30_000,
  everyMs = 500,
  describeLast: () => string = () => '',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
  const last = describeLast();
  throw new Error(
    `condition not met within ${timeoutMs} ms${lastError ? `: ${String(lastError)}` : ''}${last ? `; last seen: ${last}` : ''}`,
  );
}
