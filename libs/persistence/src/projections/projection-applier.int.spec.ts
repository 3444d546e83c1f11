import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createPool, migrate, type Pool } from '../index';
import { createScratchDatabase, runScenario, tableChecksums, type ScratchDatabase } from '../testing';
import type { ProjectableEvent } from './projection';
import { deadLetterFromDlqRecord } from './dead-letters.projection';
import {
  applyProjectionBatch,
  listCheckpoints,
  loadCheckpoint,
  resetProjections,
  tryProjectionLock,
  type LoggedEvent,
} from './projection-applier';

const serverUrl = process.env['DATABASE_URL'] ?? 'postgres://imageflow:imageflow@127.0.0.1:5432/imageflow';
const READ_MODELS = ['images', 'runs', 'steps', 'detections', 'judgements', 'replays'];

const logged = (decoded: ProjectableEvent, offset: number, topic = 'run-events'): LoggedEvent => ({
  topic,
  partition: 0,
  offset: String(offset),
  key: decoded.event.envelope.runId,
  schemaId: 1,
  decoded,
});

/** A few runs with retries, failures and a duplicate capture of the same bytes from another camera. */
function scenario(): ProjectableEvent[] {
  const runs = [
    runScenario({ at: Date.parse('2026-04-01T08:00:00Z') }),
    runScenario({ at: Date.parse('2026-04-01T08:00:01Z'), retryDetection: true, cameraId: 'cam-2' }),
    runScenario({ at: Date.parse('2026-04-01T08:00:02Z'), fail: true, lot: 'lot-9' }),
  ];
  const resend = structuredClone(runs[0]?.capture);
  if (!resend) throw new Error('no capture');
  resend.event.envelope.eventId = '01900000-0000-7000-8000-000000000001';
  resend.event.envelope.occurredAt += 60_000;
  if (resend.type === 'ImageCaptured') resend.event.capture.cameraId = 'cam-resend';
  return [...runs.flatMap((r) => [r.capture, ...r.runEvents]), resend];
}

describe('applyProjectionBatch (real Postgres)', () => {
  let db: ScratchDatabase;
  let pool: Pool;

  beforeAll(async () => {
    db = await createScratchDatabase(serverUrl, 'persistence_int');
    expect(await migrate(db.url)).toContain('1795870000000_event-log-and-read-models');
    expect(await migrate(db.url)).toEqual([]);
    pool = createPool({ databaseUrl: db.url, max: 4 });
  });

  afterAll(async () => {
    await pool?.end();
    await db?.drop();
  });

  beforeEach(async () => {
    await resetProjections(pool, 'test');
  });

  const apply = (events: ProjectableEvent[], nextOffset: number, from = 0) =>
    applyProjectionBatch(pool, {
      consumer: 'test',
      topic: 'run-events',
      partition: 0,
      nextOffset: String(nextOffset),
      events: events.map((e, i) => logged(e, from + i)),
      deadLetters: [],
    });

  it('folds a batch into every read model and saves the checkpoint in the same transaction', async () => {
    const events = scenario();
    expect(await apply(events, events.length)).toEqual({
      applied: events.length,
      duplicates: 0,
      deadLetters: 0,
    });
    expect(await loadCheckpoint(pool, 'test', 'run-events', 0)).toBe(String(events.length));

    const { rows: runs } = await pool.query<{ status: string; camera_id: string }>(
      `SELECT status, camera_id FROM runs ORDER BY started_at`,
    );
    expect(runs).toEqual([
      { status: 'completed', camera_id: 'cam-1' },
      { status: 'completed', camera_id: 'cam-2' },
      { status: 'failed', camera_id: 'cam-1' },
    ]);
    const { rows: retried } = await pool.query(
      `SELECT s.status, s.attempts, s.error_code FROM steps s JOIN runs r ON r.id = s.run_id WHERE r.camera_id = 'cam-2' AND s.node_id = 'detect'`,
    );
    expect(retried).toEqual([{ status: 'completed', attempts: 2, error_code: null }]);
    const counts = await pool.query<{ d: string; j: string; i: string; c: number }>(
      `SELECT (SELECT count(*) FROM detections) d, (SELECT count(*) FROM judgements) j, (SELECT count(*) FROM images) i,
              (SELECT max(capture_count) FROM images) c`,
    );
    // Two completed runs with 3 detections and 1 judgement each; the resent capture is the same image.
    expect(counts.rows[0]).toEqual({ d: '6', j: '2', i: '3', c: 2 });
    const { rows: resent } = await pool.query(`SELECT camera_id FROM images WHERE capture_count = 2`);
    expect(resent).toEqual([{ camera_id: 'cam-1' }]);
  });

  it('changes nothing when a batch is delivered again', async () => {
    const events = scenario();
    await apply(events, events.length);
    const before = await tableChecksums(db.url);
    expect(await apply(events, events.length)).toEqual({
      applied: 0,
      duplicates: events.length,
      deadLetters: 0,
    });
    // A redelivery of a suffix with an older checkpoint does not move the checkpoint back either.
    await apply(events.slice(5), 5, 5);
    expect(await tableChecksums(db.url)).toEqual(before);
  });

  it('reaches the same read models whatever order the events of a run arrive in', async () => {
    const events = scenario();
    await apply(events, events.length);
    const inOrder = await tableChecksums(db.url, READ_MODELS);

    // Deterministic shuffles (a fixed LCG), each event in its own batch so every order is exercised.
    for (const seed of [1, 7, 42, 1234]) {
      await resetProjections(pool, 'test');
      let state = seed;
      const shuffled = [...events]
        .map((event) => {
          state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
          return { event, sort: state };
        })
        .sort((a, b) => a.sort - b.sort)
        .map(({ event }) => event);
      for (const [i, event] of shuffled.entries()) await apply([event], i + 1, i);
      expect(await tableChecksums(db.url, READ_MODELS), `seed ${seed}`).toEqual(inOrder);
    }
  });

  it('keeps one dead letter per failed original message, however often it is dead-lettered', async () => {
    const dlqRecord = (offset: string, group: string) =>
      deadLetterFromDlqRecord({
        topic: 'dlq',
        partition: 0,
        offset,
        key: null,
        value: Buffer.from('x'),
        timestamp: '0',
        headers: {
          'imageflow-dlq-original-topic': 'run-events',
          'imageflow-dlq-original-partition': '1',
          'imageflow-dlq-original-offset': '99',
          'imageflow-dlq-error': `failed in ${group}`,
          'imageflow-dlq-consumer-group': group,
        },
      });
    const write = (rows: ReturnType<typeof dlqRecord>[], next: number) =>
      applyProjectionBatch(pool, {
        consumer: 'test',
        topic: 'dlq',
        partition: 0,
        nextOffset: String(next),
        events: [],
        deadLetters: rows,
      });
    await write([dlqRecord('0', 'projector'), dlqRecord('1', 'projector')], 2);
    await write([dlqRecord('2', 'orchestrator')], 3);
    await write([dlqRecord('0', 'projector')], 1);
    const { rows } = await pool.query(`SELECT id, error FROM dead_letters`);
    expect(rows).toEqual([{ id: 'dlq:0:0', error: 'failed in projector' }]);
    expect(await loadCheckpoint(pool, 'test', 'dlq', 0)).toBe('3');
    await pool.query(`DELETE FROM dead_letters`);
  });

  it('lets live projectors share a projection and keeps a rebuild out while any runs', async () => {
    const a = await tryProjectionLock(pool, 'locks', 'shared');
    const b = await tryProjectionLock(pool, 'locks', 'shared');
    expect(a && b).toBeTruthy();
    expect(await tryProjectionLock(pool, 'locks', 'exclusive')).toBeUndefined();
    const other = await tryProjectionLock(pool, 'other', 'exclusive');
    expect(other).toBeTruthy();
    await other?.release();
    await a?.release();
    expect(await tryProjectionLock(pool, 'locks', 'exclusive')).toBeUndefined();
    await b?.release();
    const rebuild = await tryProjectionLock(pool, 'locks', 'exclusive');
    expect(rebuild).toBeTruthy();
    expect(await tryProjectionLock(pool, 'locks', 'shared')).toBeUndefined();
    await rebuild?.release();
  });

  it('rolls the whole batch back when one statement fails, leaving no partial rows and no checkpoint', async () => {
    const events = scenario();
    const broken = structuredClone(events[3]);
    // A value the schema cannot hold: the step attempt check (attempts >= 1) fails inside the transaction.
    if (broken?.type === 'StepRequested' || broken?.type === 'StepStarted') broken.event.attempt = 0;
    else throw new Error(`scenario changed: event 3 is ${broken?.type}`);
    await expect(apply([...events.slice(0, 3), broken], 4)).rejects.toThrow(/steps_attempts_check/);
    expect(await tableChecksums(db.url, ['event_log', ...READ_MODELS])).toEqual(
      Object.fromEntries(['event_log', ...READ_MODELS].map((t) => [t, { rows: 0, md5: 'empty' }])),
    );
    expect(await listCheckpoints(pool, 'test')).toEqual([]);
  });
});
