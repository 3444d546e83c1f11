// Where the local stack listens. Defaults match ARCHITECTURE.md; tools/stack/env.sh sets the same names.
import { join } from 'node:path';

const repoRoot = join(__dirname, '..', '..', '..');
const env = (name: string, fallback: string): string => process.env[name] ?? fallback;
const imageflowHome = env('IMAGEFLOW_HOME', join(repoRoot, '.imageflow'));

export const stack = {
  repoRoot,
  imageflowHome,
  kafkaBrokers: env('KAFKA_BROKERS', '127.0.0.1:9092').split(','),
  s3: {
    endpoint: new URL(env('S3_ENDPOINT', 'http://127.0.0.1:9000')),
    accessKey: env('S3_ACCESS_KEY', 'imageflow'),
    secretKey: env('S3_SECRET_KEY', 'imageflow-local-secret'),
    region: env('S3_REGION', 'us-east-1'),
  },
  schemaRegistryUrl: env('SCHEMA_REGISTRY_URL', 'http://127.0.0.1:8081/apis/ccompat/v7'),
  databaseUrl: env('DATABASE_URL', 'postgres://imageflow:imageflow@127.0.0.1:5432/imageflow'),
  prometheusUrl: env('PROMETHEUS_URL', 'http://127.0.0.1:9090'),
  prometheusTargetsDir: env('PROMETHEUS_TARGETS_DIR', join(imageflowHome, 'prometheus', 'targets')),
} as const;

/** A name no earlier run has used, so tests never see each other's topics, buckets or tables. */
export const uniqueName = (prefix: string): string =>
  `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;

/** Polls `probe` until it returns a value, or fails with the last error after `timeoutMs`. */
export async function eventually<T>(
  probe: () => Promise<T | undefined>,
  timeoutMs = 30_000,
  everyMs = 250,
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
  throw new Error(`condition not met within ${timeoutMs} ms${lastError ? `: ${String(lastError)}` : ''}`);
}
