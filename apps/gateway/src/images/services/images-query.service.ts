import { Inject, Injectable, NotFoundException } from '@nestjs/common';
import type { z } from '@imageflow/config';
import type { ObjectStore } from '@imageflow/storage';
import { GATEWAY_CONFIG, type GatewayConfig } from '../../config/gateway.config';
import { OBJECT_STORE } from '../../platform/platform.tokens';
import type { imageSchema } from '../ingest.schemas';
import { ImagesRepository } from '../repositories/images.repository';

@Injectable()
export class ImagesQueryService {
  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(OBJECT_STORE) private readonly store: ObjectStore,
    private readonly images: ImagesRepository,
  ) {}

  async get(id: string): Promise<z.infer<typeof imageSchema>> {
    const image = await this.images.getImage(id);
    if (!image)
      throw new NotFoundException(
        `no image ${id} (new images appear here once the projector has recorded them)`,
      );
    const ttl = this.config.PRESIGNED_URL_TTL_S;
    const url = await this.store.presignedGetUrl({ bucket: image.bucket, key: image.key }, ttl);
    return { ...image, url, urlExpiresAt: new Date(Date.now() + ttl * 1000).toISOString() };
  }
}
