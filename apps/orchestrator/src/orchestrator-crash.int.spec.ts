// Kill the orchestrator at any moment: a process killed with SIGKILL mid-run, then a new one, and every run
// completes with each (node, attempt) requested under one event id only, none lost. The orchestrator runs as
// the built app (nx run orchestrator:build) in a child process, as in production.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { createLogger } from '@imageflow/observability';
import { fanOutFanIn } from '@imageflow/pipeline/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadOrchestratorConfig } from './config';
import { startOrchestrator } from './orchestrator';
import { eventually, OrchestratorHarness, uniqueName } from './test-harness';

const root = join(__dirname, '..', '..', '..');
const main = join(root, 'dist/apps/orchestrator/apps/orchestrator/src/main.js');
const NODES = ['annotate', 'detect', 'gray', 'judge', 'resize'];

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('orchestrator killed and restarted (real Kafka and registry)', () => {
  const harness = new OrchestratorHarness();
  const children: ChildProcess[] = [];

  const spawnOrchestrator = async (env: Record<string, string>): Promise<ChildProcess> => {
    if (!existsSync(main)) throw new Error(`build the orchestrator first: ${main} is missing`);
    const port = await freePort();
    const child = spawn(process.execPath, [main], {
      env: { ...process.env, ...env, METRICS_PORT: String(port) },
      stdio: ['ignore', process.env['ORCHESTRATOR_TEST_LOG'] ? 'inherit' : 'ignore', 'inherit'],
    });
    children.push(child);
    await eventually(
      async () =>
        (await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined))?.ok ? true : undefined,
      30_000,
      100,
    );
    return child;
  };

  /** Every run of these captures closed, each node requested under a single event id per attempt, none twice. */
  const expectAllCompletedOnce = (captureIds: string[]) => {
    for (const captureId of captureIds) {
      const runIds = new Set(harness.runStartedBy(captureId).map((e) => e.envelope.runId!));
      expect(runIds.size).toBe(1);
      const [runId] = [...runIds];
      const requested = harness.events('StepRequested', runId);
      const idsByStep = new Map<string, Set<string>>();
      for (const e of requested) {
        const key = `${e.nodeId}#${e.attempt}`;
        idsByStep.set(key, (idsByStep.get(key) ?? new Set()).add(e.envelope.eventId));
      }
      expect([...idsByStep.keys()].sort()).toEqual(NODES.map((n) => `${n}#1`));
      expect([...idsByStep.values()].every((ids) => ids.size === 1)).toBe(true);
      const closed = [...harness.events('RunCompleted', runId), ...harness.events('RunFailed', runId)];
      expect(closed.length).toBeGreaterThanOrEqual(1);
      expect(new Set(closed.map((e) => e.envelope.eventId)).size).toBe(1);
      expect(closed[0]!.envelope.type).toBe('RunCompleted');
    }
  };

  beforeAll(async () => {
    await harness.start();
    harness.answerDelayMs = 100;
  });

  afterAll(async () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    await harness.stop();
  });

  it('SIGKILL mid-run, then a new process: every run completes, no step requested twice under different ids, none lost', async () => {
    const env = harness.env(uniqueName('orch-crash'));
    await harness.publishPipeline({
      pipelineId: 'p-crash',
      definition: fanOutFanIn(),
      cameraId: 'cam-crash',
    });
    const first = await spawnOrchestrator(env);
    const captures = Array.from({ length: 20 }, () => harness.captureEvent('cam-crash'));
    for (const capture of captures) await harness.publishCapture(capture);
    const total = captures.length * NODES.length;
    await eventually(
      () => (harness.events('StepRequested').length >= total / 3 ? true : undefined),
      30_000,
      10,
    );
    first.kill('SIGKILL');
    await new Promise((resolve) => first.once('exit', resolve));
    const seenAtKill = harness.events('StepRequested').length;
    expect(seenAtKill).toBeLessThan(total); // killed mid-run, not after

    // A replacement in the same group would first wait out the dead member's session (30 s). A new group gets
    // the partitions at once and is the harder case: every capture is delivered again, and the run log is
    // rebuilt from the beginning without any committed offset of the killed process.
    await spawnOrchestrator(harness.env(uniqueName('orch-crash-b')));
    await eventually(
      () =>
        captures.every((c) =>
          harness
            .runStartedBy(c.envelope.eventId)
            .some((s) => harness.events('RunCompleted', s.envelope.runId!).length),
        )
          ? true
          : undefined,
      60_000,
    );
    await new Promise((resolve) => setTimeout(resolve, 500)); // let any duplicate land before counting
    expectAllCompletedOnce(captures.map((c) => c.envelope.eventId));
  });

  it('stop() without waiting for commits, then a new orchestrator in-process: the runs complete once', async () => {
    harness.behaviour.set('p-stop', (item) =>
      item.nodeId === 'detect' && item.attempt === 1 ? 'retryable' : 'ok',
    );
    const definition = fanOutFanIn();
    definition.nodes = definition.nodes.map((n) =>
      n.id === 'detect'
        ? { ...n, retry: { maxAttempts: 2, initialBackoffMs: 1_500, maxBackoffMs: 1_500, multiplier: 1 } }
        : n,
    );
    await harness.publishPipeline({ pipelineId: 'p-stop', definition, cameraId: 'cam-stop' });
    const config = loadOrchestratorConfig({ ...process.env, ...harness.env(uniqueName('orch-stop')) });
    const logger = createLogger('orchestrator-test', config.LOG_LEVEL);
    const a = await startOrchestrator(config, logger);
    const captures = Array.from({ length: 5 }, () => harness.captureEvent('cam-stop'));
    for (const capture of captures) await harness.publishCapture(capture);
    // Stop while detect waits for its retry backoff: the retry is owed by whoever reads the log next.
    await eventually(
      () =>
        captures.every((c) =>
          harness
            .runStartedBy(c.envelope.eventId)
            .some((s) => harness.events('StepFailed', s.envelope.runId!).length),
        )
          ? true
          : undefined,
      30_000,
      10,
    );
    await a.stop();
    const b = await startOrchestrator(config, logger);
    try {
      await eventually(
        () =>
          captures.every((c) =>
            harness
              .runStartedBy(c.envelope.eventId)
              .some((s) => harness.events('RunCompleted', s.envelope.runId!).length),
          )
            ? true
            : undefined,
        60_000,
      );
      await new Promise((resolve) => setTimeout(resolve, 500));
      for (const capture of captures) {
        const runId = harness.runStartedBy(capture.envelope.eventId)[0]!.envelope.runId!;
        const detect = harness.events('StepRequested', runId).filter((e) => e.nodeId === 'detect');
        expect([...new Set(detect.map((e) => `${e.attempt}:${e.envelope.eventId}`))].length).toBe(2);
        expect(new Set(harness.events('RunCompleted', runId).map((e) => e.envelope.eventId)).size).toBe(1);
      }
    } finally {
      await b.stop();
    }
  });
});
