// The one place that talks to the object store (STYLE.md: one adapter per I/O dependency).
// Built on the `minio` client, which speaks plain S3: MinIO in production, versitygw locally.
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { Readable } from 'node:stream';
import { BUCKETS } from '@imageflow/contracts';
import * as Minio from 'minio';
import { sha256Hex } from './hashing';

export interface ObjectStoreConfig {
  /** e.g. `http://127.0.0.1:9000`; the scheme picks TLS, a missing port means the scheme's default. */
  endpoint: string;
  region: string;
  accessKey: string;
  secretKey: string;
  /** Path-style URLs (`host/bucket/key`); needed by MinIO and versitygw without wildcard DNS. Default true. */
  pathStyle?: boolean;
  /** Upper bound on concurrent sockets to the store. Default 64. */
  maxSockets?: number;
  /** Time limit of `ping()`, in ms. Default 3000. */
  pingTimeoutMs?: number;
}

/** Maps the shared stack variables (`stackConfigShape` of @imageflow/config) onto the adapter's settings. */
export function objectStoreConfigFromEnv(env: {
  S3_ENDPOINT: string;
  S3_REGION: string;
  S3_ACCESS_KEY: string;
  S3_SECRET_KEY: string;
  S3_PATH_STYLE?: boolean;
}): ObjectStoreConfig {
  return {
    endpoint: env.S3_ENDPOINT,
    region: env.S3_REGION,
    accessKey: env.S3_ACCESS_KEY,
    secretKey: env.S3_SECRET_KEY,
    pathStyle: env.S3_PATH_STYLE ?? true,
  };
}

/** Where an object lives. Structurally a subset of the contracts' `ObjectRef`, so events can be passed in. */
export interface ObjectLocation {
  bucket: string;
  key: string;
}

export interface ObjectStat extends ObjectLocation {
  size: number;
  etag: string;
  contentType: string | undefined;
  /** SHA-256 recorded at upload by `putImmutable`/`put`, when present. */
  sha256: string | undefined;
  lastModified: Date;
  /** User metadata (lower-case names, without the `x-amz-meta-` prefix). */
  metadata: Record<string, string>;
}

export interface PutOptions {
  contentType: string;
  /** Extra user metadata, stored as `x-amz-meta-<name>`. */
  metadata?: Record<string, string>;
}

export interface StoredObject extends ObjectLocation {
  size: number;
  etag: string;
  sha256: string;
  contentType: string;
  /** False when an identical object was already there and nothing was uploaded. */
  created: boolean;
}

/** An immutable key already holds different bytes: a determinism bug or a corrupted store, never overwritten. */
export class ObjectConflictError extends Error {
  constructor(
    readonly location: ObjectLocation,
    readonly existing: ObjectStat,
    readonly attempted: { size: number; sha256: string },
  ) {
    super(
      `object ${location.bucket}/${location.key} already exists with different content ` +
        `(existing size ${existing.size}${existing.sha256 ? `, sha256 ${existing.sha256}` : ''}; ` +
        `new size ${attempted.size}, sha256 ${attempted.sha256})`,
    );
    this.name = 'ObjectConflictError';
  }
}

export class ObjectNotFoundError extends Error {
  constructor(readonly location: ObjectLocation) {
    super(`object ${location.bucket}/${location.key} not found`);
    this.name = 'ObjectNotFoundError';
  }
}

const SHA256_META = 'sha256';
const NOT_FOUND_CODES = new Set(['NotFound', 'NoSuchKey', 'NoSuchObject']);
const BUCKET_EXISTS_CODES = new Set(['BucketAlreadyOwnedByYou', 'BucketAlreadyExists']);

const errorCode = (error: unknown): string | undefined =>
  typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string'
    ? error.code
    : undefined;

export class ObjectStore {
  private readonly client: Minio.Client;
  private readonly pingTimeoutMs: number;

  constructor(readonly config: ObjectStoreConfig) {
    const url = new URL(config.endpoint);
    const useSSL = url.protocol === 'https:';
    const maxSockets = config.maxSockets ?? 64;
    this.pingTimeoutMs = config.pingTimeoutMs ?? 3000;
    this.client = new Minio.Client({
      endPoint: url.hostname,
      ...(url.port ? { port: Number(url.port) } : {}),
      useSSL,
      accessKey: config.accessKey,
      secretKey: config.secretKey,
      region: config.region,
      pathStyle: config.pathStyle ?? true,
      transportAgent: useSSL
        ? new HttpsAgent({ keepAlive: true, maxSockets })
        : new HttpAgent({ keepAlive: true, maxSockets }),
    });
  }

  /** Creates the buckets that do not exist yet; safe to call from several processes at once. */
  async ensureBuckets(names: readonly string[] = Object.values(BUCKETS)): Promise<void> {
    for (const name of names) {
      if (await this.client.bucketExists(name)) continue;
      try {
        await this.client.makeBucket(name, this.config.region);
      } catch (error) {
        if (!BUCKET_EXISTS_CODES.has(errorCode(error) ?? '')) throw error;
      }
    }
  }

  async bucketExists(name: string): Promise<boolean> {
    return this.client.bucketExists(name);
  }

  /**
   * Content-addressed put: the key names the content, so when an object with the same key and size is
   * already there nothing is uploaded (`created: false`). An existing object with another size, or with a
   * recorded SHA-256 that differs, is refused with ObjectConflictError rather than silently replaced.
   * Two concurrent first puts both upload the same bytes; S3 makes either one the final object.
   */
  async putImmutable(location: ObjectLocation, body: Buffer, options: PutOptions): Promise<StoredObject> {
    const sha256 = sha256Hex(body);
    const existing = await this.stat(location);
    if (existing) {
      const sameSize = existing.size === body.length;
      const sameHash = existing.sha256 === undefined || existing.sha256 === sha256;
      if (!sameSize || !sameHash)
        throw new ObjectConflictError(location, existing, { size: body.length, sha256 });
      return {
        ...location,
        size: existing.size,
        etag: existing.etag,
        sha256,
        contentType: existing.contentType ?? options.contentType,
        created: false,
      };
    }
    const uploaded = await this.upload(location, body, sha256, options);
    return { ...uploaded, created: true };
  }

  /** Plain put that replaces whatever is at the key (mutable objects such as logs or manifests). */
  async put(
    location: ObjectLocation,
    body: Buffer,
    options: PutOptions,
  ): Promise<Omit<StoredObject, 'created'>> {
    return this.upload(location, body, sha256Hex(body), options);
  }

  /** The whole object in memory; throws ObjectNotFoundError when it does not exist. */
  async get(location: ObjectLocation): Promise<Buffer> {
    const stream = await this.getStream(location);
    const chunks: Buffer[] = [];
    for await (const chunk of stream)
      chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array));
    return Buffer.concat(chunks);
  }

  async getStream(location: ObjectLocation): Promise<Readable> {
    try {
      return await this.client.getObject(location.bucket, location.key);
    } catch (error) {
      if (NOT_FOUND_CODES.has(errorCode(error) ?? '')) throw new ObjectNotFoundError(location);
      throw error;
    }
  }

  /** Size, etag and metadata, or undefined when there is no such object. */
  async stat(location: ObjectLocation): Promise<ObjectStat | undefined> {
    try {
      const stat = await this.client.statObject(location.bucket, location.key);
      const metadata: Record<string, string> = {};
      let contentType: string | undefined;
      for (const [name, value] of Object.entries(stat.metaData as Record<string, unknown>)) {
        if (typeof value !== 'string') continue;
        if (name.toLowerCase() === 'content-type') contentType = value;
        else metadata[name.toLowerCase()] = value;
      }
      return {
        ...location,
        size: stat.size,
        etag: stat.etag,
        contentType,
        sha256: metadata[SHA256_META],
        lastModified: stat.lastModified,
        metadata,
      };
    } catch (error) {
      if (NOT_FOUND_CODES.has(errorCode(error) ?? '')) return undefined;
      throw error;
    }
  }

  /** A URL any HTTP client can GET for `ttlSeconds` (1 s … 7 days, the S3 limit), without credentials. */
  async presignedGetUrl(location: ObjectLocation, ttlSeconds: number): Promise<string> {
    if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1 || ttlSeconds > 604_800) {
      throw new RangeError(`presigned URL ttl must be 1..604800 seconds, got ${ttlSeconds}`);
    }
    return this.client.presignedGetObject(location.bucket, location.key, ttlSeconds);
  }

  async remove(location: ObjectLocation): Promise<void> {
    await this.client.removeObject(location.bucket, location.key);
  }

  /** Keys under a prefix, recursively. */
  async list(bucket: string, prefix = ''): Promise<string[]> {
    const keys: string[] = [];
    for await (const item of this.client.listObjectsV2(bucket, prefix, true)) {
      const name = (item as { name?: string }).name;
      if (name) keys.push(name);
    }
    return keys;
  }

  /** Removes every object of a bucket and the bucket itself (tests and tear-down only). */
  async removeBucketWithObjects(bucket: string): Promise<void> {
    if (!(await this.client.bucketExists(bucket))) return;
    const keys = await this.list(bucket);
    if (keys.length) await this.client.removeObjects(bucket, keys);
    await this.client.removeBucket(bucket);
  }

  /** Readiness probe: the store answers an authenticated request within the ping timeout. */
  async ping(bucket: string = BUCKETS.rawImages): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`object store did not answer within ${this.pingTimeoutMs} ms`)),
        this.pingTimeoutMs,
      );
    });
    try {
      await Promise.race([this.client.bucketExists(bucket), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  private async upload(
    location: ObjectLocation,
    body: Buffer,
    sha256: string,
    options: PutOptions,
  ): Promise<Omit<StoredObject, 'created'>> {
    const info = await this.client.putObject(location.bucket, location.key, body, body.length, {
      ...options.metadata,
      'Content-Type': options.contentType,
      [SHA256_META]: sha256,
    });
    return { ...location, size: body.length, etag: info.etag, sha256, contentType: options.contentType };
  }
}
