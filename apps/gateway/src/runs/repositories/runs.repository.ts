import type { Provider } from '@nestjs/common';
import { RunsRepository, type Pool } from '@imageflow/persistence';
import { DB_POOL } from '../../platform/platform.tokens';

export { RunsRepository };

/** The runs, steps, detections and judgements read models (filled by the projector), bound to the gateway's pool. */
export const runsRepositoryProvider: Provider = {
  provide: RunsRepository,
  inject: [DB_POOL],
  useFactory: (pool: Pool) => new RunsRepository(pool),
};
