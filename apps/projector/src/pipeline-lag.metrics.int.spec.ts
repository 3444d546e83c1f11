// The lag in images and seconds per pipeline, stage and line, from the real read models: the built projector
// folds produced run events into a scratch database and its /metrics shows the steps still waiting — and 0 once
// they finish, or once their run has failed.
import { createScratchDatabase, runScenario, type ScratchDatabase } from '@imageflow/persistence/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  EventWriter,
  eventually,
  serverUrl,
  spawnProjector,
  stopProjector,
  uniqueName,
  uniqueTopics,
  waitCaughtUp,
  type ProjectorProcess,
} from './testing/projector-harness';

/** Value of one sample of the projector's /metrics, undefined when absent. */
async function sample(projector: ProjectorProcess, name: string, labels: Record<string, string>) {
  const text = await (await fetch(`http://127.0.0.1:${projector.port}/metrics`)).text();
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const wanted = Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`));
    if (wanted) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

describe('pipeline lag metrics (built projector, real Kafka + Postgres)', () => {
  const topics = uniqueTopics('projector-lag-it');
  const writer = new EventWriter(topics);
  const groupId = uniqueName('projector-lag-it');
  let db: ScratchDatabase;
  let projector: ProjectorProcess | undefined;
  const at = Date.now() - 60_000;
  // Two runs on line-1 and one on line-2 of pipeline "inspect"; on line-3 a run that failed with a step requested.
  const line1 = [0, 1].map((i) => runScenario({ at: at + i, lineId: 'line-1' }));
  const line2 = runScenario({ at: at + 5, lineId: 'line-2' });
  const abandoned = runScenario({ at: at + 7, lineId: 'line-3', fail: true });
  const all = [...line1, line2];
  /** Capture, RunStarted and the first StepRequested (resize, stage kind image): the step waits. */
  const waiting = (s: ReturnType<typeof runScenario>) => [s.capture, ...s.runEvents.slice(0, 2)];

  beforeAll(async () => {
    db = await createScratchDatabase(serverUrl, 'projector_lag_it');
    await writer.createTopics();
    process.env['PIPELINE_LAG_INTERVAL_MS'] = '300';
    projector = await spawnProjector({ databaseUrl: db.url, topics, groupId });
  });

  afterAll(async () => {
    delete process.env['PIPELINE_LAG_INTERVAL_MS'];
    if (projector) await stopProjector(projector, 'SIGKILL');
    await writer.close([groupId, `${groupId}-dlq`]);
    await db?.drop();
  });

  it('counts the images and steps waiting per pipeline, stage and line, with the age of the oldest', async () => {
    if (!projector) throw new Error('projector not started');
    const runFailed = abandoned.runEvents.at(-1);
    if (runFailed?.type !== 'RunFailed') throw new Error('the failing scenario ends with RunFailed');
    await writer.publish([...all.flatMap(waiting), ...waiting(abandoned), runFailed]);
    await waitCaughtUp(writer, db.url, 60_000, projector);
    const p = projector;
    const images = (line: string) =>
      sample(p, 'imageflow_pipeline_lag_images', { pipeline: 'inspect', stage: 'image', line });
    await eventually(
      async () => ((await images('line-1')) === 2 && (await images('line-2')) === 1) || undefined,
      10_000,
    );
    expect(await sample(p, 'imageflow_pipeline_lag_steps', { stage: 'image', line: 'line-1' })).toBe(2);
    // The failed run's resize step is still `requested` in `steps`, but its run is over: it waits for nothing.
    expect((await sample(p, 'imageflow_pipeline_lag_images', { line: 'line-3' })) ?? 0).toBe(0);
    // Requested about a minute ago (event time of the StepRequested), and the wait is measured now.
    const age = await sample(p, 'imageflow_pipeline_lag_seconds', { stage: 'image', line: 'line-1' });
    expect(age).toBeGreaterThanOrEqual(59);
    expect(age).toBeLessThan(600);
    // The projector's own lag: now − event time of the newest applied run event (also about a minute).
    const lag = await sample(p, 'imageflow_projector_lag_seconds', { topic: topics.runEvents });
    expect(lag).toBeGreaterThanOrEqual(59);
    expect(lag).toBeLessThan(600);
  });

  it('falls back to 0 when the steps finish and the runs complete', async () => {
    if (!projector) throw new Error('projector not started');
    await writer.publish(all.flatMap((s) => s.runEvents.slice(2)));
    await waitCaughtUp(writer, db.url, 60_000, projector);
    const p = projector;
    for (const line of ['line-1', 'line-2']) {
      await eventually(
        async () =>
          (await sample(p, 'imageflow_pipeline_lag_images', { stage: 'image', line })) === 0 || undefined,
        10_000,
      );
      expect(await sample(p, 'imageflow_pipeline_lag_steps', { stage: 'image', line })).toBe(0);
      expect(await sample(p, 'imageflow_pipeline_lag_seconds', { stage: 'image', line })).toBe(0);
    }
    expect(await stopProjector(p)).toBe(0);
  });
});
