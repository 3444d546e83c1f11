import { join } from 'node:path';
import { runner } from 'node-pg-migrate';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stack, uniqueName } from './stack-env';

describe('Postgres: migrations with node-pg-migrate, queries with pg', () => {
  const schema = uniqueName('smoke').replaceAll('-', '_');
  const client = new Client({ connectionString: stack.databaseUrl });

  beforeAll(async () => {
    await client.connect();
    await client.query(`CREATE SCHEMA ${schema}`);
  });

  afterAll(async () => {
    await client.query(`DROP SCHEMA ${schema} CASCADE`);
    await client.end();
  });

  const migrate = () =>
    runner({
      databaseUrl: stack.databaseUrl,
      dir: join(__dirname, 'migrations'),
      direction: 'up',
      schema,
      createSchema: false,
      migrationsTable: 'pgmigrations',
      log: () => undefined,
    });

  it('applies a migration once, records it, and is a no-op the second time', async () => {
    const first = await migrate();
    expect(first.map((m) => m.name)).toEqual(['1764331200000_smoke-readings']);
    expect(await migrate()).toEqual([]);
    const applied = await client.query(`SELECT name FROM ${schema}.pgmigrations`);
    expect(applied.rows).toEqual([{ name: '1764331200000_smoke-readings' }]);
  });

  it('writes and queries the migrated table with parameters', async () => {
    await client.query(
      `INSERT INTO ${schema}.smoke_readings (camera_id, brightness) SELECT 'cam-' || (i % 3), i FROM generate_series(1, 30) i`,
    );
    const { rows } = await client.query<{ camera_id: string; n: string; avg: number }>(
      `SELECT camera_id, count(*) AS n, avg(brightness) AS avg FROM ${schema}.smoke_readings
       WHERE camera_id = $1 GROUP BY camera_id`,
      ['cam-0'],
    );
    expect(rows).toEqual([{ camera_id: 'cam-0', n: '10', avg: 16.5 }]);
  });
});
