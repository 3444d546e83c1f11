import type { Provider } from '@nestjs/common';
import { ApiKeysRepository, type Pool } from '@imageflow/persistence';
import { DB_POOL } from '../../platform/platform.tokens';

export { ApiKeysRepository };

/** The persistence library's API-key queries, bound to the gateway's pool. */
export const apiKeysRepositoryProvider: Provider = {
  provide: ApiKeysRepository,
  inject: [DB_POOL],
  useFactory: (pool: Pool) => new ApiKeysRepository(pool),
};
