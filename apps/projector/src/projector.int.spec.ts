import { HEADERS } from '@imageflow/contracts';
import { createPool, PipelinesRepository } from '@imageflow/persistence';
import {
  CHECKSUM_TABLES,
  createScratchDatabase,
  pipelineScenario,
  runScenario,
  tableChecksums,
  type ScratchDatabase,
} from '@imageflow/persistence/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  EventWriter,
  query,
  serverUrl,
  spawnProjector,
  stopProjector,
  uniqueTopics,
  waitCaughtUp,
  type ProjectorProcess,
  uniqueName,
} from './testing/projector-harness';

describe('projector (built app, real Kafka + registry + Postgres)', () => {
  const topics = uniqueTopics('projector-it');
  const writer = new EventWriter(topics);
  const groups = { first: uniqueName('projector-it'), again: uniqueName('projector-it-again') };
  let db: ScratchDatabase;
  let projector: ProjectorProcess | undefined;
  const scenarios = Array.from({ length: 6 }, (_, i) =>
    runScenario({
      at: Date.parse('2026-07-01T00:00:00Z') + i * 1000,
      cameraId: `cam-${i % 2}`,
      retryDetection: i === 1,
      fail: i === 2,
    }),
  );
  // Pipeline configuration on its own topic: versions, an activation and a rollback, bindings, one removal.
  const inspect = pipelineScenario({
    pipelineId: 'inspect',
    widths: [640, 320],
    at: Date.parse('2026-06-30T00:00:00Z'),
  });
  const sort = pipelineScenario({
    pipelineId: 'sort',
    widths: [800],
    at: Date.parse('2026-06-30T01:00:00Z'),
    cameraIds: ['cam-7'],
    lineIds: ['line-2'],
  });

  beforeAll(async () => {
    db = await createScratchDatabase(serverUrl, 'projector_it');
    await writer.createTopics();
  });

  afterAll(async () => {
    if (projector) await stopProjector(projector, 'SIGKILL');
    await writer.close(Object.values(groups).flatMap((g) => [g, `${g}-dlq`]));
    await db?.drop();
  });

  it('projects produced events (runs and pipeline configuration) into the read models, dead-letters bad bytes and keeps going', async () => {
    projector = await spawnProjector({ databaseUrl: db.url, topics, groupId: groups.first });
    await writer.publish([
      ...inspect.events,
      ...scenarios.slice(0, 3).flatMap((s) => [s.capture, ...s.runEvents]),
    ]);
    // Bytes that are not an event, between good events: dead-lettered by the consumer, recorded from the DLQ topic.
    await writer.sendRaw(topics.runEvents, [{ key: 'garbage', value: Buffer.from('{"not":"avro"}') }]);
    // A dead letter written by another service (e.g. a stage worker that gave up).
    await writer.sendRaw(topics.dlq, [
      {
        key: 'run-x',
        value: Buffer.from([0, 0, 0, 0, 1, 2, 3]),
        headers: {
          [HEADERS.dlqTopic]: 'imageflow.stage.ai.v1',
          [HEADERS.dlqPartition]: '0',
          [HEADERS.dlqOffset]: '41',
          [HEADERS.dlqError]: 'UNKNOWN_MODEL: yolo@9',
          [HEADERS.dlqAttempts]: '5',
          [HEADERS.dlqGroup]: 'stage-ai',
        },
      },
    ]);
    await writer.publish([...scenarios.slice(3).flatMap((s) => [s.capture, ...s.runEvents]), ...sort.events]);
    await waitCaughtUp(writer, db.url, 60_000, projector);

    const runs = await query<{ id: string; status: string; camera_id: string; verdict: string | null }>(
      db.url,
      `SELECT id, status, camera_id, verdict FROM runs ORDER BY started_at`,
    );
    expect(runs.map((r) => r.id)).toEqual(scenarios.map((s) => s.runEvents[0]?.event.envelope.runId));
    expect(runs.map((r) => r.status)).toEqual([
      'completed',
      'completed',
      'failed',
      'completed',
      'completed',
      'completed',
    ]);
    const [retried] = await query(
      db.url,
      `SELECT status, attempts FROM steps WHERE run_id = $1 AND node_id = 'detect'`,
      [runs[1]?.id],
    );
    expect(retried).toEqual({ status: 'completed', attempts: 2 });
    const [counts] = await query<Record<string, string>>(
      db.url,
      `SELECT (SELECT count(*) FROM event_log) events, (SELECT count(*) FROM images) images,
              (SELECT count(*) FROM detections) detections, (SELECT count(*) FROM judgements) judgements`,
    );
    const total =
      scenarios.reduce((n, s) => n + 1 + s.runEvents.length, 0) + inspect.events.length + sort.events.length;
    expect(counts).toEqual({ events: String(total), images: '6', detections: '15', judgements: '5' });

    // The four pipeline configuration events, as the gateway reads them back.
    const pool = createPool({ databaseUrl: db.url, max: 1 });
    try {
      const pipelines = new PipelinesRepository(pool);
      expect(
        (await pipelines.listPipelines()).items.map((p) => [p.id, p.versionCount, p.activeVersion?.seq]),
      ).toEqual([
        ['sort', 1, 1],
        ['inspect', 2, 1],
      ]);
      expect(
        (await pipelines.listPipelineVersions('inspect')).map((v) => [v.seq, v.version, v.active]),
      ).toEqual([
        [2, inspect.versions[1], false],
        [1, inspect.versions[0], true],
      ]);
      expect(
        (await pipelines.getPipelineVersion('inspect', inspect.versions[1] as string))?.definition,
      ).toEqual(JSON.parse(inspect.created[1]?.event.definitionJson as string));
      expect((await pipelines.listActivations('inspect')).map((a) => [a.version, a.rollback])).toEqual([
        [inspect.versions[0], true],
        [inspect.versions[1], false],
      ]);
      // cam-1 was bound, then unbound (BindingRemoved deletes the row).
      expect(
        (await pipelines.listBindings()).map((b) => `${b.targetKind}:${b.targetId}->${b.pipelineId}`),
      ).toEqual(['CAMERA:cam-2->inspect', 'LINE:line-1->inspect', 'LINE:line-2->sort']);
      expect(await pipelines.findBinding('CAMERA', 'cam-1')).toBeUndefined();
      const [positions] = await query<{ n: string }>(
        db.url,
        `SELECT count(*) AS n FROM event_log WHERE topic = $1`,
        [topics.pipelines],
      );
      expect(positions?.n).toBe(String(inspect.events.length + sort.events.length));
    } finally {
      await pool.end();
    }

    const deadLetters = await query<{
      original_topic: string;
      error: string;
      attempts: number;
      value: Buffer;
    }>(db.url, `SELECT original_topic, error, attempts, value FROM dead_letters ORDER BY original_topic`);
    expect(deadLetters).toHaveLength(2);
    expect(deadLetters[0]).toMatchObject({
      original_topic: 'imageflow.stage.ai.v1',
      error: 'UNKNOWN_MODEL: yolo@9',
      attempts: 5,
    });
    expect(deadLetters[1]).toMatchObject({
      original_topic: topics.runEvents,
      value: Buffer.from('{"not":"avro"}'),
    });
    expect(deadLetters[1]?.error).toMatch(/magic byte/);

    const health = await fetch(`http://127.0.0.1:${projector.port}/healthz`);
    expect(health.status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${projector.port}/readyz`)).status).toBe(200);
    const metrics = await (await fetch(`http://127.0.0.1:${projector.port}/metrics`)).text();
    expect(metrics).toMatch(
      new RegExp(
        `imageflow_projector_events_total\\{topic="${topics.runEvents.replaceAll('.', '\\.')}",outcome="applied",service="projector"\\} \\d+`,
      ),
    );

    // SIGTERM: finishes the batch in hand, leaves the group, exits 0.
    expect(await stopProjector(projector)).toBe(0);
    expect(projector.output()).toContain('"msg":"stopped"');
  });

  it('changes nothing when everything is delivered again (checkpoints dropped, fresh consumer group)', async () => {
    const tables = CHECKSUM_TABLES.filter((t) => t !== 'projector_checkpoints');
    const before = await tableChecksums(db.url, tables);
    for (const table of ['pipelines', 'pipeline_versions', 'pipeline_activations', 'bindings'])
      expect(before[table]?.rows).toBeGreaterThan(0);
    const eventCheckpoints = () =>
      query(
        db.url,
        `SELECT topic, "partition", next_offset FROM projector_checkpoints WHERE topic <> $1 ORDER BY 1, 2`,
        [topics.dlq],
      );
    const checkpointsBefore = await eventCheckpoints();
    await query(db.url, `DELETE FROM projector_checkpoints`);
    projector = await spawnProjector({ databaseUrl: db.url, topics, groupId: groups.again });
    await waitCaughtUp(writer, db.url, 60_000, projector);
    const metrics = await (await fetch(`http://127.0.0.1:${projector.port}/metrics`)).text();
    expect(metrics).toMatch(/imageflow_projector_events_total\{[^}]*outcome="duplicate"[^}]*\} [1-9]/);
    expect(metrics).not.toMatch(/imageflow_projector_events_total\{[^}]*outcome="applied"[^}]*\} [1-9]/);
    expect(await stopProjector(projector)).toBe(0);
    // The fresh group dead-lettered the garbage again (one more record on the DLQ topic, so its checkpoint moved);
    // the dead letter of that same message is not added twice, and nothing else changed.
    expect(await tableChecksums(db.url, tables)).toEqual(before);
    expect(await eventCheckpoints()).toEqual(checkpointsBefore);
  });

  it('fills a new, empty database from the beginning even when its consumer group has committed offsets', async () => {
    const fresh = await createScratchDatabase(serverUrl, 'projector_it_fresh');
    try {
      const tables = [
        'event_log',
        'images',
        'runs',
        'steps',
        'detections',
        'judgements',
        'pipelines',
        'pipeline_versions',
        'pipeline_activations',
        'bindings',
      ];
      const expected = await tableChecksums(db.url, tables);
      // The first group read everything and committed its offsets in Kafka; the new database knows nothing.
      projector = await spawnProjector({ databaseUrl: fresh.url, topics, groupId: groups.first });
      await waitCaughtUp(writer, fresh.url, 60_000, projector);
      expect(await stopProjector(projector)).toBe(0);
      expect(await tableChecksums(fresh.url, tables)).toEqual(expected);
    } finally {
      await fresh.drop();
    }
  });

  it('refuses bad configuration with a message naming the variable', async () => {
    const bad = await spawnProjector({ databaseUrl: 'mysql://nope', topics, groupId: 'x' });
    expect(await bad.exited).toBe(2);
    expect(bad.output()).toMatch(/DATABASE_URL: must be a postgres:\/\/ URL/);
  });
});
