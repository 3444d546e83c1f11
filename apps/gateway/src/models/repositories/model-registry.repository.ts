// The models bucket in the layout compute-ai reads (libs/inference/src/models/model-source.ts):
//   <id>/LATEST  {"version": "<version>"},  <id>/<version>/manifest.json,  <id>/<version>/<files>.
import { Inject, Injectable } from '@nestjs/common';
import { ObjectNotFoundError, type ObjectStore } from '@imageflow/storage';
import { GATEWAY_CONFIG, type GatewayConfig } from '../../config/gateway.config';
import { OBJECT_STORE } from '../../platform/platform.tokens';

export const latestKey = (id: string): string => `${id}/LATEST`;
export const versionKey = (id: string, version: string, file: string): string => `${id}/${version}/${file}`;

@Injectable()
export class ModelRegistryRepository {
  readonly bucket: string;

  constructor(
    @Inject(GATEWAY_CONFIG) config: GatewayConfig,
    @Inject(OBJECT_STORE) private readonly store: ObjectStore,
  ) {
    this.bucket = config.MODELS_BUCKET;
  }

  /** Every key of the bucket under a prefix. */
  keys(prefix = ''): Promise<string[]> {
    return this.store.list(this.bucket, prefix);
  }

  /** The version LATEST points at, or null (no pointer, or one that is not {"version": "…"}). */
  async latest(id: string): Promise<string | null> {
    const bytes = await this.read(latestKey(id));
    if (!bytes) return null;
    try {
      const { version } = JSON.parse(bytes.toString('utf8')) as { version?: unknown };
      return typeof version === 'string' && version ? version : null;
    } catch {
      return null;
    }
  }

  async read(key: string): Promise<Buffer | undefined> {
    try {
      return await this.store.get({ bucket: this.bucket, key });
    } catch (error) {
      if (error instanceof ObjectNotFoundError) return undefined;
      throw error;
    }
  }

  async size(key: string): Promise<number | undefined> {
    return (await this.store.stat({ bucket: this.bucket, key }))?.size;
  }

  async versionPublished(id: string, version: string): Promise<boolean> {
    return (
      (await this.store.stat({ bucket: this.bucket, key: versionKey(id, version, 'manifest.json') })) !==
      undefined
    );
  }

  async put(key: string, body: Buffer, contentType: string): Promise<{ size: number; sha256: string }> {
    const stored = await this.store.put({ bucket: this.bucket, key }, body, { contentType });
    return { size: stored.size, sha256: stored.sha256 };
  }
}
