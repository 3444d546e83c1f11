// The ingest claim protocol against a real Postgres (scratch database, migrated with the shipped migrations).
import { createPool, migrate, type Pool } from '@imageflow/persistence';
import { createScratchDatabase, type ScratchDatabase } from '@imageflow/persistence/testing';
import { sha256Hex } from '@imageflow/storage';
import { uuidv7 } from 'uuidv7';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IngestDedupRepository } from './ingest-dedup.repository';

describe('IngestDedupRepository', () => {
  let database: ScratchDatabase;
  let pool: Pool;
  let repository: IngestDedupRepository;
  const newImageId = () => sha256Hex(Buffer.from(uuidv7()));

  beforeAll(async () => {
    database = await createScratchDatabase(
      process.env['DATABASE_URL'] ?? 'postgres://imageflow:imageflow@127.0.0.1:5432/imageflow',
      'dedup_it',
    );
    await migrate(database.url);
    pool = createPool({ databaseUrl: database.url, max: 20 });
    repository = new IngestDedupRepository(pool);
  });

  afterAll(async () => {
    await pool?.end();
    await database?.drop();
  });

  it('gives the first claimant ownership with its event id; later claimants see busy, then published', async () => {
    const imageId = newImageId();
    const first = await repository.claim(imageId, 'evt-first', 'cam', 30_000);
    expect(first).toMatchObject({ kind: 'owned', eventId: 'evt-first', takenOver: false });
    expect(await repository.claim(imageId, 'evt-second', 'cam', 30_000)).toEqual({
      kind: 'busy',
      eventId: 'evt-first',
    });
    await repository.markPublished(imageId);
    expect(await repository.claim(imageId, 'evt-third', 'cam', 30_000)).toEqual({
      kind: 'published',
      eventId: 'evt-first',
    });
    expect(await repository.find(imageId)).toEqual({ eventId: 'evt-first', published: true });
  });

  it('a released claim (producer failed) is taken over at once, with the same event id', async () => {
    const imageId = newImageId();
    const first = await repository.claim(imageId, 'evt-a', 'cam', 60_000);
    if (first.kind !== 'owned') throw new Error('expected ownership');
    await repository.release(imageId, first.token);
    const retry = await repository.claim(imageId, 'evt-b', 'cam', 60_000);
    expect(retry).toMatchObject({ kind: 'owned', eventId: 'evt-a', takenOver: true });
  });

  it('an expired lease (gateway died after claiming) is taken over; a stale token cannot release the new owner', async () => {
    const imageId = newImageId();
    const dead = await repository.claim(imageId, 'evt-dead', 'cam', 1);
    if (dead.kind !== 'owned') throw new Error('expected ownership');
    await new Promise((resolve) => setTimeout(resolve, 20));
    const taker = await repository.claim(imageId, 'evt-new', 'cam', 60_000);
    expect(taker).toMatchObject({ kind: 'owned', eventId: 'evt-dead', takenOver: true });
    await repository.release(imageId, dead.token);
    expect(await repository.claim(imageId, 'evt-other', 'cam', 60_000)).toEqual({
      kind: 'busy',
      eventId: 'evt-dead',
    });
  });

  it('exactly one of many concurrent claimants owns the bytes', async () => {
    const imageId = newImageId();
    const claims = await Promise.all(
      Array.from({ length: 16 }, (_, i) => repository.claim(imageId, `evt-${i}`, 'cam', 30_000)),
    );
    const owners = claims.filter((c) => c.kind === 'owned');
    expect(owners).toHaveLength(1);
    expect(new Set(claims.map((c) => c.eventId))).toEqual(new Set([owners[0]?.eventId]));
  });
});
