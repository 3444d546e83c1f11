import type { Provider } from '@nestjs/common';
import { ImagesRepository, type Pool } from '@imageflow/persistence';
import { DB_POOL } from '../../platform/platform.tokens';

export { ImagesRepository };

/** The images read model (filled by the projector from ImageCaptured), bound to the gateway's pool. */
export const imagesRepositoryProvider: Provider = {
  provide: ImagesRepository,
  inject: [DB_POOL],
  useFactory: (pool: Pool) => new ImagesRepository(pool),
};
