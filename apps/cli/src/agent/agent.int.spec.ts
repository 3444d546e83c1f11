// The edge agent (built CLI, child process) with the gateway (built, child process) STOPPED: captures stay in the
// on-disk queue while it retries, survive a SIGKILL of the agent, and once the gateway is back every capture
// arrives exactly once (the agent's sent log, the gateway's ingest counter and the images topic all say 6, and a
// re-ingest of the same files reports 6 duplicates).
import { copyFile, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IngestSummary } from '../ingest/ingest.command';
import { renderLabelJpeg } from '../simulate/label-render.adapter';
import {
  createGatewayProcess,
  eventually,
  runCli,
  startCli,
  type GatewayProcess,
} from '../testing/gateway-process';
import type { QueueStatus, SentRecord } from './durable-queue';
import { DurableQueue } from './durable-queue';

describe('imageflow agent', () => {
  let gateway: GatewayProcess;
  let root: string;
  let key: string;
  const camera = `cam-agent-${Date.now().toString(36)}`;
  const agents: Array<ReturnType<typeof startCli>> = [];

  beforeAll(async () => {
    gateway = await createGatewayProcess();
    // First start writes the admin key (what a deployed agent is configured with); then the "network goes down".
    await gateway.start();
    key = await gateway.adminKey();
    await gateway.stop();
    root = await mkdtemp(join(tmpdir(), 'cli-agent-'));
    for (const sub of ['captures', 'watch']) await mkdir(join(root, sub));
    for (let i = 1; i <= 6; i++) {
      await writeFile(
        join(root, 'captures', `SN-${String(i).padStart(6, '0')}.jpg`),
        await renderLabelJpeg({
          lot: 'LOT-AGENT',
          serial: `SN-${String(i).padStart(6, '0')}`,
          stamp: `${camera} ${i}`,
        }),
      );
    }
  });

  afterAll(async () => {
    for (const agent of agents) if (agent.child.exitCode === null) agent.child.kill('SIGKILL');
    await gateway?.dispose();
    if (root) await rm(root, { recursive: true, force: true });
  });

  const queueDir = () => join(root, 'queue');
  const startAgent = () => {
    const agent = startCli([
      'agent',
      '--queue',
      queueDir(),
      '--camera',
      camera,
      '--watch',
      join(root, 'watch'),
      '--gateway',
      gateway.url,
      '--key',
      key,
      '--backoff-initial-ms',
      '100',
      '--backoff-max-ms',
      '400',
    ]);
    agents.push(agent);
    return agent;
  };
  const status = async (): Promise<QueueStatus> => {
    const result = await runCli(['agent', 'status', '--queue', queueDir(), '--json']);
    expect(result.code, result.stderr).toBe(0);
    return JSON.parse(result.stdout) as QueueStatus;
  };

  it('keeps captures on disk while the gateway is down, survives SIGKILL, then delivers each exactly once', async () => {
    const captures = (await readdir(join(root, 'captures'))).sort();
    // Three captures through `agent enqueue` (before any agent runs), three dropped into the watched directory.
    const enqueued = await runCli([
      'agent',
      'enqueue',
      '--queue',
      queueDir(),
      ...captures.slice(0, 3).map((f) => join(root, 'captures', f)),
    ]);
    expect(enqueued.code, enqueued.stderr).toBe(0);

    const first = startAgent();
    for (const file of captures.slice(3))
      await copyFile(join(root, 'captures', file), join(root, 'watch', file));

    // All six queued, the dropped files taken out of the watch directory, and the sender retrying.
    await eventually(async () => (await status()).depth === 6, 20_000, 'six captures in the queue');
    await eventually(
      async () => (await readdir(join(root, 'watch'))).length === 0,
      10_000,
      'the watch directory emptied',
    );
    await eventually(
      async () => first.lines('send failed; will retry').length >= 3,
      20_000,
      'retries logged',
    );
    const retry = first.lines('send failed; will retry')[0];
    expect(String(retry?.['reason'])).toContain(`cannot reach the gateway at ${gateway.url}`);
    expect(first.lines('capture delivered')).toEqual([]);

    // The agent dies hard while offline: nothing in the queue is lost.
    first.child.kill('SIGKILL');
    await first.exited;
    const reopened = await DurableQueue.open(queueDir());
    const pending = await reopened.list();
    expect(pending).toHaveLength(6);
    expect(new Set(pending.map((p) => p.meta.sha256)).size).toBe(6);
    expect(await status()).toMatchObject({ depth: 6, sent: 0, failed: 0 });

    // A new agent, still offline, then the gateway comes back.
    const second = startAgent();
    await eventually(
      async () => second.lines('send failed; will retry').length >= 1,
      20_000,
      'the second agent retrying',
    );
    await gateway.start();
    await eventually(async () => (await status()).depth === 0, 30_000, 'the queue drained');

    const sent = (await reopened.sentRecords()) as SentRecord[];
    expect(sent).toHaveLength(6);
    expect(new Set(sent.map((s) => s.sha256)).size).toBe(6);
    expect(sent.every((s) => s.imageId === s.sha256 && !s.duplicate)).toBe(true);
    expect(await status()).toMatchObject({ depth: 0, sent: 6, failed: 0 });
    // Exactly once at the gateway: six new images, no duplicates, six events on the topic.
    expect(await gateway.metric('imageflow_ingest_images_total', { camera_id: camera })).toBe(6);
    expect(await gateway.metric('imageflow_ingest_duplicates_total', { camera_id: camera })).toBe(0);
    expect(await gateway.countImageEvents()).toBe(6);

    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    expect(second.lines('agent stopped')).toHaveLength(1);

    // The very same bytes again: all six already there.
    const again = await runCli([
      'ingest',
      join(root, 'captures'),
      '--camera',
      camera,
      '--json',
      '--gateway',
      gateway.url,
      '--key',
      key,
    ]);
    expect(again.code, again.stderr).toBe(0);
    const summary = JSON.parse(again.stdout) as IngestSummary;
    expect(summary).toMatchObject({ files: 6, new: 0, duplicate: 6, failed: 0 });
    expect(summary.results.map((r) => r.imageId).sort()).toEqual(sent.map((s) => s.imageId).sort());
    expect(await gateway.countImageEvents()).toBe(6);
  });
});
