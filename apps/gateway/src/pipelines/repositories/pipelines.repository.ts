import type { Provider } from '@nestjs/common';
import { PipelinesRepository, type Pool } from '@imageflow/persistence';
import { DB_POOL } from '../../platform/platform.tokens';

export { PipelinesRepository };

/** Pipelines, versions, activations and bindings read models (projected from imageflow.pipelines.v1), on the gateway's pool. */
export const pipelinesRepositoryProvider: Provider = {
  provide: PipelinesRepository,
  inject: [DB_POOL],
  useFactory: (pool: Pool) => new PipelinesRepository(pool),
};
