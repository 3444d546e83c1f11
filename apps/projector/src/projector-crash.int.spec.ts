import { HEADERS } from '@imageflow/contracts';
import type { ProjectableEvent } from '@imageflow/persistence';
import {
  createScratchDatabase,
  pipelineScenario,
  runScenario,
  tableChecksums,
  type ScratchDatabase,
} from '@imageflow/persistence/testing';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  checkpoints,
  EventWriter,
  query,
  serverUrl,
  spawnProjector,
  stopProjector,
  uniqueTopics,
  waitCaughtUp,
  type ProjectorProcess,
  eventually,
  uniqueName,
} from './testing/projector-harness';

const RUNS = 84;
const PIPELINES = 6;

describe('projector under SIGKILL, and rebuild from the log (~1 000 events)', () => {
  const topics = uniqueTopics('projector-crash');
  const writer = new EventWriter(topics);
  const groups = {
    reference: uniqueName('projector-ref'),
    killed: uniqueName('projector-killed'),
    // The restart joins a new group: Kafka would hold the dead member's partitions for the session timeout (30 s)
    // before giving them to a restart in the same group. The new group has no committed offsets, so everything it
    // skips, it skips because of the Postgres checkpoints.
    restarted: uniqueName('projector-restarted'),
  };
  let reference: ScratchDatabase;
  let killed: ScratchDatabase;
  const processes: ProjectorProcess[] = [];
  let events: ProjectableEvent[] = [];
  let total = 0;

  beforeAll(async () => {
    [reference, killed] = await Promise.all([
      createScratchDatabase(serverUrl, 'projector_ref'),
      createScratchDatabase(serverUrl, 'projector_killed'),
    ]);
    await writer.createTopics();
    const scenarios = Array.from({ length: RUNS }, (_, i) =>
      runScenario({
        at: Date.parse('2026-08-01T00:00:00Z') + i * 250,
        cameraId: `cam-${i % 4}`,
        lineId: `line-${i % 2}`,
        lot: `lot-${Math.floor(i / 20)}`,
        retryDetection: i % 7 === 3,
        fail: i % 11 === 5,
      }),
    );
    // Pipeline configuration streams in between the runs (its own topic): versions, activations, rollbacks, bindings.
    const configs = Array.from({ length: PIPELINES }, (_, i) =>
      pipelineScenario({
        pipelineId: `pipeline-${i}`,
        widths: [100 + i, 200 + i, 300 + i],
        at: Date.parse('2026-08-01T00:00:00Z') + i * 60_000,
        cameraIds: [`cam-${i}-a`, `cam-${i}-b`],
        lineIds: [`line-${i}`],
      }),
    );
    events = scenarios.flatMap((s, i) => [
      s.capture,
      ...s.runEvents,
      ...(i % 14 === 0 ? (configs[i / 14]?.events ?? []) : []),
    ]);
    total = events.length;
    expect(configs.every((c) => events.includes(c.events[0] as ProjectableEvent))).toBe(true);
    await writer.sendRaw(
      topics.dlq,
      [1, 2, 3, 4, 5].map((n) => ({
        key: `run-${n}`,
        value: Buffer.from([0, 0, 0, 0, n]),
        headers: {
          [HEADERS.dlqTopic]: 'imageflow.stage.image.v1',
          [HEADERS.dlqPartition]: String(n % 3),
          [HEADERS.dlqOffset]: String(100 + n),
          [HEADERS.dlqError]: `CORRUPT_IMAGE: #${n}`,
          [HEADERS.dlqAttempts]: '5',
          [HEADERS.dlqGroup]: 'stage-image',
          [HEADERS.dlqFailedAt]: new Date(Date.parse('2026-08-01T00:00:00Z') + n).toISOString(),
        },
      })),
    );
  });

  afterAll(async () => {
    for (const p of processes) await stopProjector(p, 'SIGKILL');
    await writer.close([...Object.values(groups), ...Object.values(groups).map((g) => `${g}-dlq`)]);
    await Promise.all([reference?.drop(), killed?.drop()]);
  });

  const start = async (db: ScratchDatabase, groupId: string) => {
    const p = await spawnProjector({ databaseUrl: db.url, topics, groupId });
    processes.push(p);
    return p;
  };

  it('a projector killed with SIGKILL mid-batch ends with the same tables as one never killed', async () => {
    expect(total).toBeGreaterThanOrEqual(1_000);
    const never = await start(reference, groups.reference);
    const victim = await start(killed, groups.killed);

    // Events stream in while both run (small publishes, so the victim works through many small batches); a watcher
    // kills the victim once it has committed a third of them and has another batch transaction open.
    const watcher = new Client({ connectionString: killed.url });
    await watcher.connect();
    let produced = 0;
    let inTransaction = false;
    let logged = 0;
    // Start streaming only once the victim is consuming, so it meets the events batch by batch.
    await writer.publish(events.slice(0, 25));
    produced = 25;
    await eventually(async () => {
      const [row] = await query<{ n: string }>(killed.url, `SELECT count(*) AS n FROM event_log`).catch(
        () => [],
      );
      return row && Number(row.n) > 0 ? true : undefined;
    }, 60_000);
    const watch = (async () => {
      const deadline = Date.now() + 60_000;
      while (Date.now() < deadline && victim.child.exitCode === null) {
        const { rows } = await watcher.query<{ open: boolean }>(
          `SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE datname = current_database()
                            AND application_name LIKE 'projector:%' AND xact_start IS NOT NULL AND state <> 'idle') AS open`,
        );
        if (!rows[0]?.open) continue;
        const count = await watcher.query<{ n: string }>(`SELECT count(*) AS n FROM event_log`);
        logged = Number(count.rows[0]?.n ?? 0);
        if (logged >= total / 3 && logged < total) {
          inTransaction = true;
          victim.child.kill('SIGKILL');
          return;
        }
      }
      victim.child.kill('SIGKILL');
    })();
    for (let i = produced; i < events.length; i += 25) {
      await writer.publish(events.slice(i, i + 25));
      produced = Math.min(events.length, i + 25);
      await new Promise((resolve) => setTimeout(resolve, 15));
    }
    await watch;
    await victim.exited;
    await watcher.end();
    expect(inTransaction, `no open batch transaction seen mid-way\n${victim.output().slice(-3000)}`).toBe(
      true,
    );
    expect(logged).toBeGreaterThanOrEqual(total / 3);
    expect(logged).toBeLessThan(total);
    expect(produced).toBe(total);

    // What the killed process committed is whole: per partition, the logged events are exactly those below the
    // checkpoint (the partitions hold only events and every offset is an event).
    const saved = await checkpoints(killed.url);
    const perPartition = await query<{ topic: string; partition: number; n: string; max: string | null }>(
      killed.url,
      `SELECT topic, "partition", count(*) AS n, max("offset") AS max FROM event_log GROUP BY 1, 2`,
    );
    for (const row of perPartition) {
      expect(saved.get(`${row.topic}:${row.partition}`)).toBe(row.n);
      expect(BigInt(row.max ?? -1) + 1n).toBe(BigInt(row.n));
    }

    const restarted = await start(killed, groups.restarted);
    await Promise.all([
      waitCaughtUp(writer, reference.url, 90_000, never),
      waitCaughtUp(writer, killed.url, 90_000, restarted),
    ]);
    // It resumed at the checkpoints: nothing below them was handed to the database again.
    const metrics = await (await fetch(`http://127.0.0.1:${restarted.port}/metrics`)).text();
    expect(metrics).not.toMatch(/imageflow_projector_events_total\{[^}]*outcome="duplicate"[^}]*\} [1-9]/);
    expect(metrics).toMatch(/imageflow_projector_events_total\{[^}]*outcome="applied"[^}]*\} [1-9]/);
    const [expected, actual] = await Promise.all([tableChecksums(reference.url), tableChecksums(killed.url)]);
    expect(expected['event_log']?.rows).toBe(total);
    expect(expected['runs']?.rows).toBe(RUNS);
    expect(expected['dead_letters']?.rows).toBe(5);
    expect(expected['pipeline_versions']?.rows).toBe(PIPELINES * 3);
    expect(expected['pipeline_activations']?.rows).toBe(PIPELINES * 2);
    expect(expected['bindings']?.rows).toBe(PIPELINES * 2);
    expect(actual).toEqual(expected);

    // A rebuild cannot run while a live projector holds the projection.
    const refused = await spawnProjector(
      { databaseUrl: killed.url, topics, groupId: groups.restarted },
      'rebuild',
    );
    expect(await refused.exited).toBe(1);
    expect(refused.output()).toContain('in use by a running projector');

    expect(await stopProjector(never)).toBe(0);
    expect(await stopProjector(restarted)).toBe(0);
  });

  it('projector rebuild re-reads the whole log into tables identical to the live ones', async () => {
    const live = await tableChecksums(reference.url);
    expect(live['event_log']?.rows).toBe(total);
    // Make the tables visibly wrong first, so an unchanged table cannot pass for a rebuilt one.
    await query(
      reference.url,
      `UPDATE runs SET status = 'queued'; DELETE FROM steps WHERE node_id = 'judge';
       UPDATE pipelines SET active_version = NULL; UPDATE pipeline_versions SET seq = seq + 100; DELETE FROM bindings WHERE target_kind = 'LINE'`,
    );
    expect(await tableChecksums(reference.url)).not.toEqual(live);

    const rebuild = await spawnProjector(
      { databaseUrl: reference.url, topics, groupId: groups.reference },
      'rebuild',
    );
    processes.push(rebuild);
    const code = await rebuild.exited;
    expect(code, rebuild.output().slice(-3000)).toBe(0);
    expect(rebuild.output()).toContain('"msg":"rebuild finished"');
    expect(await tableChecksums(reference.url)).toEqual(live);
  });
});
