// The one place that owns `pg`: pool size, timeouts and transaction handling are tuned here and nowhere else.
import { Pool, type PoolClient } from 'pg';

export interface PoolConfig {
  databaseUrl: string;
  /** Shows up in pg_stat_activity, so operators (and tests) can tell services apart. */
  applicationName?: string;
  /** Connections per process; the projector needs few (one transaction per partition batch). */
  max?: number;
  connectionTimeoutMs?: number;
  idleTimeoutMs?: number;
  /** Server-side cap on one statement, so a stuck query fails instead of holding a batch forever. */
  statementTimeoutMs?: number;
}

export const POOL_DEFAULTS = {
  max: 10,
  connectionTimeoutMs: 5_000,
  idleTimeoutMs: 30_000,
  statementTimeoutMs: 30_000,
} as const;

/** Anything that can run a query: a Pool, or a client inside a transaction. */
export type Queryable = Pool | PoolClient;
export type { Pool, PoolClient };

export function createPool(config: PoolConfig): Pool {
  const pool = new Pool({
    connectionString: config.databaseUrl,
    application_name: config.applicationName ?? 'imageflow',
    max: config.max ?? POOL_DEFAULTS.max,
    connectionTimeoutMillis: config.connectionTimeoutMs ?? POOL_DEFAULTS.connectionTimeoutMs,
    idleTimeoutMillis: config.idleTimeoutMs ?? POOL_DEFAULTS.idleTimeoutMs,
    statement_timeout: config.statementTimeoutMs ?? POOL_DEFAULTS.statementTimeoutMs,
  });
  // An idle client losing its connection (Postgres restart) must not crash the process; the next query reconnects.
  pool.on('error', () => undefined);
  return pool;
}

/** Deadlocks and serialization failures are safe to retry: the transaction was rolled back whole. */
const RETRYABLE_SQLSTATES = new Set(['40001', '40P01']);

function sqlState(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string'
    ? error.code
    : undefined;
}

/**
 * Runs `work` in one transaction on one pooled client: COMMIT if it resolves, ROLLBACK if it throws.
 * Retries the whole transaction a few times on deadlock / serialization failure.
 */
export async function withTransaction<T>(
  pool: Pool,
  work: (client: PoolClient) => Promise<T>,
  retries = 3,
): Promise<T> {
  for (let attempt = 0; ; attempt += 1) {
    const client = await pool.connect();
    let broken = false;
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      try {
        await client.query('ROLLBACK');
      } catch {
        broken = true;
      }
      if (attempt < retries && RETRYABLE_SQLSTATES.has(sqlState(error) ?? '')) {
        await new Promise((resolve) => setTimeout(resolve, 20 * 2 ** attempt));
        continue;
      }
      throw error;
    } finally {
      client.release(broken);
    }
  }
}
