import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ApiKeysRepository,
  applyProjectionBatch,
  createPool,
  DeadLettersRepository,
  deadLetterFromDlqRecord,
  ImagesRepository,
  InvalidCursorError,
  migrate,
  RunsRepository,
  type Pool,
  type RunRecord,
} from '../index';
import { createScratchDatabase, runScenario, type ScratchDatabase } from '../testing';

const serverUrl = process.env['DATABASE_URL'] ?? 'postgres://imageflow:imageflow@127.0.0.1:5432/imageflow';

describe('repositories (real Postgres)', () => {
  let db: ScratchDatabase;
  let pool: Pool;
  const scenarios = Array.from({ length: 25 }, (_, i) =>
    runScenario({
      at: Date.parse('2026-06-01T00:00:00Z') + Math.floor(i / 2) * 1000, // pairs share a start time: the id breaks ties
      cameraId: `cam-${i % 3}`,
      lot: i < 10 ? 'lot-A' : 'lot-B',
      fail: i % 5 === 0,
    }),
  );

  beforeAll(async () => {
    db = await createScratchDatabase(serverUrl, 'persistence_queries');
    await migrate(db.url);
    pool = createPool({ databaseUrl: db.url, max: 4 });
    const events = scenarios.flatMap((s) => [s.capture, ...s.runEvents]);
    await applyProjectionBatch(pool, {
      consumer: 'test',
      topic: 't',
      partition: 0,
      nextOffset: String(events.length),
      events: events.map((decoded, i) => ({
        topic: 't',
        partition: 0,
        offset: String(i),
        key: null,
        schemaId: 1,
        decoded,
      })),
      deadLetters: [1, 2, 3].map((n) =>
        deadLetterFromDlqRecord({
          topic: 'dlq',
          partition: 0,
          offset: String(n),
          key: Buffer.from(`k${n}`),
          value: Buffer.from([n]),
          timestamp: String(Date.parse('2026-06-01T00:00:00Z') + n),
          headers: {
            'imageflow-dlq-original-topic': 'imageflow.stage.ai.v1',
            'imageflow-dlq-error': `boom ${n}`,
          },
        }),
      ),
    });
  });

  afterAll(async () => {
    await pool?.end();
    await db?.drop();
  });

  it('getImage returns the projected image, undefined for an unknown id', async () => {
    const images = new ImagesRepository(pool);
    const capture = scenarios[0]?.capture;
    const image = await images.getImage(capture?.event.envelope.imageId as string);
    expect(image).toMatchObject({
      id: capture?.event.envelope.imageId,
      bucket: 'raw-images',
      size: 2048,
      cameraId: 'cam-0',
      lot: 'lot-A',
    });
    expect(await images.getImage('0'.repeat(64))).toBeUndefined();
  });

  it('listRuns pages through every run exactly once, newest first, with an opaque cursor', async () => {
    const runs = new RunsRepository(pool);
    const seen: RunRecord[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = await runs.listRuns({}, { limit: 4, cursor });
      seen.push(...page.items);
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor);
    expect(pages).toBe(7);
    expect(new Set(seen.map((r) => r.id)).size).toBe(25);
    const keys = seen.map((r) => `${r.startedAt}|${r.id}`);
    expect(keys).toEqual([...keys].sort().reverse());
  });

  it('listRuns filters by status, camera, lot, pipeline and time range', async () => {
    const runs = new RunsRepository(pool);
    const failed = await runs.listRuns({ status: 'failed' }, { limit: 100 });
    expect(failed.items).toHaveLength(5);
    expect(failed.items.every((r) => r.status === 'failed' && r.error?.code === 'STEP_FAILED')).toBe(true);
    const cam = await runs.listRuns({ cameraId: 'cam-1', lot: 'lot-B' }, { limit: 100 });
    const expected = scenarios.filter((_, i) => i % 3 === 1 && i >= 10).length;
    expect(cam.items).toHaveLength(expected);
    expect((await runs.listRuns({ pipelineId: 'inspect' }, { limit: 100 })).items).toHaveLength(25);
    expect((await runs.listRuns({ pipelineId: 'other' }, {})).items).toHaveLength(0);
    const window = await runs.listRuns(
      { from: '2026-06-01T00:00:02Z', to: '2026-06-01T00:00:04Z' },
      { limit: 100 },
    );
    expect(window.items).toHaveLength(4);
    await expect(runs.listRuns({}, { cursor: 'garbage' })).rejects.toThrow(InvalidCursorError);
  });

  it('getRun returns the run with its steps, detections and judgements', async () => {
    const runs = new RunsRepository(pool);
    const runId = scenarios[1]?.runEvents[0]?.event.envelope.runId as string;
    const run = await runs.getRun(runId);
    expect(run).toMatchObject({ id: runId, status: 'completed', cameraId: 'cam-1', pipelineVersion: '1' });
    expect(run?.steps.map((s) => [s.nodeId, s.status, s.attempts])).toEqual([
      ['resize', 'completed', 1],
      ['detect', 'completed', 1],
      ['judge', 'completed', 1],
    ]);
    expect(run?.steps[1]?.timings).toEqual({
      queuedMs: 1,
      fetchMs: 2,
      computeMs: 3,
      storeMs: 4,
      totalMs: 10,
    });
    expect(run?.detections).toHaveLength(3);
    expect(run?.detections[0]).toMatchObject({
      nodeId: 'detect',
      idx: 0,
      label: 'dent',
      box: { x: 0, y: 0, width: 20, height: 10 },
    });
    expect(run?.judgements).toEqual([
      { nodeId: 'judge', port: 'judgement', verdict: run?.verdict, reasons: expect.any(Array) },
    ]);
    expect(await runs.getRun('missing')).toBeUndefined();
  });

  it('lists dead letters, returns one with its bytes, and records re-drives', async () => {
    const dlq = new DeadLettersRepository(pool);
    const page = await dlq.listDeadLetters({}, { limit: 2 });
    expect(page.items.map((d) => d.id)).toEqual(['dlq:0:3', 'dlq:0:2']);
    const next = await dlq.listDeadLetters({}, { limit: 2, cursor: page.nextCursor });
    expect(next.items.map((d) => d.id)).toEqual(['dlq:0:1']);
    expect(next.nextCursor).toBeNull();
    const one = await dlq.getDeadLetter('dlq:0:2');
    expect(one).toMatchObject({
      originalTopic: 'imageflow.stage.ai.v1',
      error: 'boom 2',
      redriveCount: 0,
      redrivenAt: null,
    });
    expect(one?.value).toEqual(Buffer.from([2]));
    const redriven = await dlq.markRedriven('dlq:0:2');
    expect(redriven?.redriveCount).toBe(1);
    expect(redriven?.redrivenAt).not.toBeNull();
    expect((await dlq.listDeadLetters({ pending: true })).items.map((d) => d.id)).toEqual([
      'dlq:0:3',
      'dlq:0:1',
    ]);
    expect(await dlq.markRedriven('nope')).toBeUndefined();
  });

  it('stores API keys hashed, finds them by plaintext, and forgets revoked ones', async () => {
    const keys = new ApiKeysRepository(pool);
    const created = await keys.createApiKey('line-1 camera', 'camera');
    expect(created.plaintext).toMatch(/^ifk_[A-Za-z0-9_-]{43}$/);
    const { rows } = await pool.query<{ key_hash: string }>(`SELECT key_hash FROM api_keys WHERE id = $1`, [
      created.id,
    ]);
    expect(rows[0]?.key_hash).not.toContain(created.plaintext);
    expect(rows[0]?.key_hash).toHaveLength(64);
    const found = await keys.findApiKeyByPlaintext(created.plaintext);
    expect(found).toMatchObject({ id: created.id, name: 'line-1 camera', role: 'camera' });
    expect(found?.lastUsedAt).not.toBeNull();
    // A second use within the minute finds the key without rewriting the row.
    expect((await keys.findApiKeyByPlaintext(created.plaintext))?.lastUsedAt).toBe(found?.lastUsedAt);
    expect(await keys.findApiKeyByPlaintext(`${created.plaintext}x`)).toBeUndefined();
    expect(await keys.revokeApiKey(created.id)).toBe(true);
    expect(await keys.findApiKeyByPlaintext(created.plaintext)).toBeUndefined();
    await expect(keys.createApiKey('x', 'root' as 'admin')).rejects.toThrow(/unknown API key role/);
  });
});
