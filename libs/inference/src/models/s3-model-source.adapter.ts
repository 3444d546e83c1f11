import * as Minio from 'minio';
import { InferenceError } from '../errors';
import type { ModelSource } from './model-source';

export interface S3ModelSourceConfig {
  /** e.g. http://127.0.0.1:9000 */
  endpoint: string;
  region: string;
  accessKey: string;
  secretKey: string;
  bucket: string;
}

const NOT_FOUND = new Set(['NoSuchKey', 'NotFound', 'NoSuchObject']);

/** The one place this library talks to the object store: read-only GETs from the models bucket (minio client). */
export class S3ModelSource implements ModelSource {
  readonly description: string;
  private readonly client: Minio.Client;

  constructor(private readonly config: S3ModelSourceConfig) {
    const url = new URL(config.endpoint);
    const useSSL = url.protocol === 'https:';
    this.client = new Minio.Client({
      endPoint: url.hostname,
      port: url.port ? Number(url.port) : useSSL ? 443 : 80,
      useSSL,
      accessKey: config.accessKey,
      secretKey: config.secretKey,
      region: config.region,
      pathStyle: true,
    });
    this.description = `s3 ${config.endpoint}/${config.bucket}`;
  }

  async read(key: string): Promise<Uint8Array | undefined> {
    try {
      const stream = await this.client.getObject(this.config.bucket, key);
      const chunks: Buffer[] = [];
      for await (const chunk of stream) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks);
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (typeof code === 'string' && NOT_FOUND.has(code)) return undefined;
      if (code === 'NoSuchBucket') {
        throw new InferenceError(
          'STORE_UNAVAILABLE',
          `models bucket "${this.config.bucket}" does not exist`,
          { cause: error },
        );
      }
      throw new InferenceError(
        'STORE_UNAVAILABLE',
        `cannot read ${key} from ${this.description}: ${(error as Error).message}`,
        { cause: error },
      );
    }
  }
}
