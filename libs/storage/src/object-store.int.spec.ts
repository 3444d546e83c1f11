// Real object store from the local stack (versitygw locally, MinIO in production); unique buckets per run.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from './hashing';
import { rawImageKey, stepOutputKey } from './keys';
import { ObjectConflictError, ObjectNotFoundError, ObjectStore } from './object-store.adapter';
import { testObjectStoreConfig, uniqueBucketName } from './testing';

describe('ObjectStore against the local S3', () => {
  const store = new ObjectStore(testObjectStoreConfig());
  const raw = uniqueBucketName('it-raw');
  const processed = uniqueBucketName('it-processed');
  const body = Buffer.from(Array.from({ length: 200 * 1024 }, (_, i) => (i * 31) % 251));
  const imageId = sha256Hex(body);
  const rawRef = { bucket: raw, key: rawImageKey(imageId, 'bin') };

  beforeAll(async () => {
    await store.ensureBuckets([raw, processed]);
  });

  afterAll(async () => {
    await store.removeBucketWithObjects(raw);
    await store.removeBucketWithObjects(processed);
  });

  it('ensureBuckets creates missing buckets and is idempotent, also when called concurrently', async () => {
    const extra = uniqueBucketName('it-extra');
    try {
      await Promise.all([
        store.ensureBuckets([extra]),
        store.ensureBuckets([extra]),
        store.ensureBuckets([extra]),
      ]);
      await store.ensureBuckets([extra]);
      expect(await store.bucketExists(extra)).toBe(true);
    } finally {
      await store.removeBucketWithObjects(extra);
    }
  });

  it('putImmutable uploads once, then skips the same key and size', async () => {
    const first = await store.putImmutable(rawRef, body, { contentType: 'application/octet-stream' });
    expect(first).toMatchObject({ ...rawRef, size: body.length, sha256: imageId, created: true });
    const firstStat = await store.stat(rawRef);
    // S3 times have one-second resolution: wait past it, so a re-upload would show as a newer object.
    await new Promise((resolve) => setTimeout(resolve, 1_100));

    const second = await store.putImmutable(rawRef, Buffer.from(body), {
      contentType: 'application/octet-stream',
    });
    expect(second.created).toBe(false);
    expect(second.etag).toBe(first.etag);
    // Nothing was re-uploaded: the object is the very same one.
    expect((await store.stat(rawRef))?.lastModified.getTime()).toBe(firstStat?.lastModified.getTime());
  });

  it('stat reports size, etag, content type and the recorded SHA-256; undefined when missing', async () => {
    const stat = await store.stat(rawRef);
    expect(stat).toMatchObject({
      size: body.length,
      contentType: 'application/octet-stream',
      sha256: imageId,
    });
    expect(stat?.etag).toBeTruthy();
    expect(await store.stat({ bucket: raw, key: 'sha256/00/missing.bin' })).toBeUndefined();
  });

  it('get returns the bytes unchanged; a missing key is ObjectNotFoundError', async () => {
    const bytes = await store.get(rawRef);
    expect(sha256Hex(bytes)).toBe(imageId);
    await expect(store.get({ bucket: raw, key: 'nope' })).rejects.toBeInstanceOf(ObjectNotFoundError);
  });

  it('refuses to replace an immutable key that holds different bytes', async () => {
    const key = stepOutputKey({ runId: 'run-1', nodeId: 'resize', port: 'image', ext: 'png' });
    await store.putImmutable({ bucket: processed, key }, Buffer.from('first result'), {
      contentType: 'image/png',
    });
    await expect(
      store.putImmutable({ bucket: processed, key }, Buffer.from('another result'), {
        contentType: 'image/png',
      }),
    ).rejects.toBeInstanceOf(ObjectConflictError);
    // Same size, different bytes: caught by the recorded SHA-256.
    await expect(
      store.putImmutable({ bucket: processed, key }, Buffer.from('first resulT'), {
        contentType: 'image/png',
      }),
    ).rejects.toThrow(/different content/);
    expect((await store.get({ bucket: processed, key })).toString()).toBe('first result');
  });

  it('serves a presigned GET URL to a plain HTTP client for the given time', async () => {
    const url = await store.presignedGetUrl(rawRef, 60);
    expect(new URL(url).searchParams.get('X-Amz-Expires')).toBe('60');
    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(sha256Hex(Buffer.from(await response.arrayBuffer()))).toBe(imageId);
    await expect(store.presignedGetUrl(rawRef, 0)).rejects.toBeInstanceOf(RangeError);
  });

  it('lists keys under a prefix and removes objects', async () => {
    const key = stepOutputKey({ runId: 'run-2', nodeId: 'n', port: 'out', ext: 'json' });
    await store.put({ bucket: processed, key }, Buffer.from('{}'), { contentType: 'application/json' });
    expect(await store.list(processed, 'runs/run-2/')).toEqual([key]);
    await store.remove({ bucket: processed, key });
    expect(await store.list(processed, 'runs/run-2/')).toEqual([]);
  });

  it('ping answers for a live store and fails fast for a dead endpoint', async () => {
    await expect(store.ping(raw)).resolves.toBeUndefined();
    const dead = new ObjectStore({
      ...testObjectStoreConfig(),
      endpoint: 'http://127.0.0.1:1',
      pingTimeoutMs: 1000,
    });
    await expect(dead.ping(raw)).rejects.toThrow();
  });
});
