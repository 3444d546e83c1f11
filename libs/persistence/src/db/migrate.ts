import { join } from 'node:path';
import { runner } from 'node-pg-migrate';

/**
 * The SQL migrations shipped with this library. Builds copy `libs/persistence/migrations` next to the
 * compiled `src`, so the same relative path works from the sources and from `dist`.
 */
export const MIGRATIONS_DIR = join(__dirname, '..', '..', 'migrations');

export interface MigrateOptions {
  dir?: string;
  log?: (message: string) => void;
}

/**
 * Applies every pending migration (forward only). Safe to call from several processes at start-up:
 * node-pg-migrate serialises runners with an advisory lock. Returns the names it applied.
 */
export async function migrate(databaseUrl: string, options: MigrateOptions = {}): Promise<string[]> {
  const applied = await runner({
    databaseUrl,
    dir: options.dir ?? MIGRATIONS_DIR,
    direction: 'up',
    migrationsTable: 'pgmigrations',
    checkOrder: true,
    log: options.log ?? (() => undefined),
  });
  return applied.map((migration) => migration.name);
}
