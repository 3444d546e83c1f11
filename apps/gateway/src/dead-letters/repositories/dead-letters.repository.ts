import type { Provider } from '@nestjs/common';
import { DeadLettersRepository, type Pool } from '@imageflow/persistence';
import { DB_POOL } from '../../platform/platform.tokens';

export { DeadLettersRepository };

/** The dead_letters table (filled from imageflow.dlq.v1), bound to the gateway's pool. */
export const deadLettersRepositoryProvider: Provider = {
  provide: DeadLettersRepository,
  inject: [DB_POOL],
  useFactory: (pool: Pool) => new DeadLettersRepository(pool),
};
