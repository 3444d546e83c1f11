// Fixtures for tests that need a real object store (the local stack's, see tools/stack).
import { ObjectStore, type ObjectStoreConfig } from '../object-store.adapter';

/** The local stack's object store, overridable with the same variables the apps read. */
export function testObjectStoreConfig(env: NodeJS.ProcessEnv = process.env): ObjectStoreConfig {
  return {
    endpoint: env['S3_ENDPOINT'] ?? 'http://127.0.0.1:9000',
    region: env['S3_REGION'] ?? 'us-east-1',
    accessKey: env['S3_ACCESS_KEY'] ?? 'imageflow',
    secretKey: env['S3_SECRET_KEY'] ?? 'imageflow-local-secret',
    pathStyle: true,
  };
}

/** A bucket name no other test run uses (S3 rules: lowercase, digits, dashes, 3-63 chars). */
export const uniqueBucketName = (prefix: string): string =>
  `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`.toLowerCase().slice(0, 63);

/** Creates unique buckets for one test file; `cleanup()` removes them with everything in them. */
export async function createTestBuckets<K extends string>(
  store: ObjectStore,
  names: Record<K, string>,
): Promise<{ buckets: Record<K, string>; cleanup: () => Promise<void> }> {
  const buckets = Object.fromEntries(
    Object.entries<string>(names).map(([role, prefix]) => [role, uniqueBucketName(prefix)]),
  ) as Record<K, string>;
  await store.ensureBuckets(Object.values(buckets));
  return {
    buckets,
    cleanup: async () => {
      for (const bucket of Object.values<string>(buckets)) await store.removeBucketWithObjects(bucket);
    },
  };
}
