// The orchestrator against the real Kafka and schema registry: configuration events and captures in, the run
// log and work items out. The harness plays the gateway and a fake stage worker (outputs of the right kinds).
import { versionIdOf, type PipelineDefinition } from '@imageflow/pipeline';
import { fanOutFanIn } from '@imageflow/pipeline/testing';
import { uuidv7 } from 'uuidv7';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadOrchestratorConfig } from './config';
import { startOrchestrator, type RunningOrchestrator } from './orchestrator';
import { runStartedEvent } from './run-events.mapping';
import { eventually, OrchestratorHarness, uniqueName } from './test-harness';
import { createLogger } from '@imageflow/observability';

const single = (
  retry: PipelineDefinition['nodes'][number]['retry'],
  timeoutMs?: number,
): PipelineDefinition => ({
  nodes: [
    {
      id: 'gray',
      part: { id: 'image.grayscale', version: '1' },
      parameters: {},
      retry,
      ...(timeoutMs ? { timeoutMs } : {}),
    },
  ],
  edges: [{ from: { node: 'source', port: 'image' }, to: { node: 'gray', port: 'image' } }],
});

describe('orchestrator (real Kafka and registry)', () => {
  const harness = new OrchestratorHarness();
  let orchestrator: RunningOrchestrator;

  const metric = async (name: string): Promise<number> => {
    const text = await (await fetch(`http://127.0.0.1:${orchestrator.metricsPort}/metrics`)).text();
    return text
      .split('\n')
      .filter((line) => line.startsWith(name))
      .reduce((sum, line) => sum + Number(line.split(' ').pop()), 0);
  };

  beforeAll(async () => {
    await harness.start();
    const env = { ...process.env, ...harness.env(uniqueName('orch-test')) };
    orchestrator = await startOrchestrator(
      loadOrchestratorConfig(env),
      createLogger('orchestrator-test', env['LOG_LEVEL']),
    );
  });

  afterAll(async () => {
    await orchestrator?.stop();
    await harness.stop();
  });

  it('runs a fan-out/fan-in pipeline for a bound camera: RunStarted, every node requested once on its stage topic, RunCompleted', async () => {
    const definition = fanOutFanIn();
    const version = await harness.publishPipeline({ pipelineId: 'p-fan', definition, cameraId: 'cam-fan' });
    const capture = harness.captureEvent('cam-fan');
    await harness.publishCapture(capture);

    const [started] = await eventually(() =>
      harness.runStartedBy(capture.envelope.eventId).length
        ? harness.runStartedBy(capture.envelope.eventId)
        : undefined,
    );
    const runId = started!.envelope.runId!;
    expect(started).toMatchObject({
      trigger: 'CAPTURE',
      envelope: { pipelineId: 'p-fan', pipelineVersion: version, imageId: capture.envelope.imageId },
    });
    expect(JSON.parse(started!.definitionJson)).toEqual({
      definition,
      stageKinds: { resize: 'image', detect: 'ai', gray: 'image', annotate: 'image', judge: 'image' },
    });

    const closed = await harness.waitClosed(runId);
    expect(closed.envelope.type).toBe('RunCompleted');
    expect(closed).toMatchObject({ verdict: 'OK', skippedNodeIds: [] });

    const requested = harness.events('StepRequested', runId);
    expect(requested.map((e) => e.nodeId).sort()).toEqual(['annotate', 'detect', 'gray', 'judge', 'resize']);
    expect(requested.every((e) => e.attempt === 1)).toBe(true);
    const items = harness.workItems.filter((w) => w.event.envelope.runId === runId);
    expect(items.map((w) => `${w.topic}:${w.event.nodeId}`).sort()).toEqual(
      ['annotate', 'detect', 'gray', 'judge', 'resize']
        .map((n) => `${harness.topics.stageTemplate.replace('{kind}', n === 'detect' ? 'ai' : 'image')}:${n}`)
        .sort(),
    );
    // Joins: annotate needs resize and detect; its inputs carry both values.
    const annotate = requested.find((e) => e.nodeId === 'annotate')!;
    expect(annotate.inputs.map((i) => [i.port, i.fromNodeId, i.value.kind]).sort()).toEqual([
      ['detections', 'detect', 'DETECTIONS'],
      ['image', 'resize', 'IMAGE'],
    ]);
    const resize = requested.find((e) => e.nodeId === 'resize')!;
    expect(resize.inputs[0]).toMatchObject({
      port: 'image',
      fromNodeId: null,
      value: { kind: 'IMAGE', object: capture.image },
    });
    expect(JSON.parse(resize.parametersJson)).toEqual({ width: 640, fit: 'inside' });
  });

  it('starts nothing for an unbound camera, and starts a run for a camera bound through its line', async () => {
    const before = await metric('imageflow_orchestrator_captures_unbound_total');
    const unbound = harness.captureEvent('cam-nobody', 'line-nobody');
    await harness.publishCapture(unbound);
    await eventually(async () =>
      (await metric('imageflow_orchestrator_captures_unbound_total')) > before ? true : undefined,
    );

    await harness.publishPipeline({ pipelineId: 'p-line', definition: single({}), lineId: 'line-7' });
    const viaLine = harness.captureEvent('cam-on-line-7', 'line-7');
    await harness.publishCapture(viaLine);
    const [started] = await eventually(() =>
      harness.runStartedBy(viaLine.envelope.eventId).length
        ? harness.runStartedBy(viaLine.envelope.eventId)
        : undefined,
    );
    expect(started?.envelope.pipelineId).toBe('p-line');
    await harness.waitClosed(started!.envelope.runId!);
    expect(harness.runStartedBy(unbound.envelope.eventId)).toEqual([]);
  });

  it('a capture taken before the binding existed starts nothing, even if read after it', async () => {
    const early = harness.captureEvent('cam-late');
    await harness.publishPipeline({ pipelineId: 'p-late', definition: single({}), cameraId: 'cam-late' });
    const before = await metric('imageflow_orchestrator_captures_unbound_total');
    await harness.publishCapture(early); // capturedAt precedes the activation and binding
    await eventually(async () =>
      (await metric('imageflow_orchestrator_captures_unbound_total')) > before ? true : undefined,
    );
    expect(harness.runStartedBy(early.envelope.eventId)).toEqual([]);
  });

  it('a redelivered capture starts one run', async () => {
    await harness.publishPipeline({ pipelineId: 'p-dup', definition: single({}), cameraId: 'cam-dup' });
    const capture = harness.captureEvent('cam-dup');
    await harness.publishCapture(capture);
    await harness.publishCapture(capture);
    const both = await eventually(() =>
      harness.runStartedBy(capture.envelope.eventId).length >= 2
        ? harness.runStartedBy(capture.envelope.eventId)
        : undefined,
    );
    expect(new Set(both.map((e) => e.envelope.runId)).size).toBe(1);
    expect(new Set(both.map((e) => e.envelope.eventId)).size).toBe(1);
    const runId = both[0]!.envelope.runId!;
    await harness.waitClosed(runId);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(new Set(harness.events('StepRequested', runId).map((e) => e.envelope.eventId)).size).toBe(1);
    expect(harness.events('RunCompleted', runId)).toHaveLength(1);
  });

  it('a retryable failure leads to attempt 2 after the backoff', async () => {
    harness.behaviour.set('p-retry', (item) => (item.attempt === 1 ? 'retryable' : 'ok'));
    await harness.publishPipeline({
      pipelineId: 'p-retry',
      definition: single({ maxAttempts: 3, initialBackoffMs: 700, maxBackoffMs: 5_000, multiplier: 2 }),
      cameraId: 'cam-retry',
    });
    const capture = harness.captureEvent('cam-retry');
    await harness.publishCapture(capture);
    const [started] = await eventually(() =>
      harness.runStartedBy(capture.envelope.eventId).length
        ? harness.runStartedBy(capture.envelope.eventId)
        : undefined,
    );
    const runId = started!.envelope.runId!;
    const closed = await harness.waitClosed(runId);
    expect(closed.envelope.type).toBe('RunCompleted');
    const failed = harness.events('StepFailed', runId);
    const requested = harness.events('StepRequested', runId);
    expect(failed.map((e) => [e.attempt, e.code])).toEqual([[1, 'COMPUTE_UNAVAILABLE']]);
    expect(requested.map((e) => e.attempt)).toEqual([1, 2]);
    expect(requested[1]!.envelope.occurredAt - failed[0]!.envelope.occurredAt).toBeGreaterThanOrEqual(700);
  });

  it('a step with no answer times out, is failed with TIMEOUT and retried', async () => {
    harness.behaviour.set('p-timeout', (item) => (item.attempt === 1 ? 'ignore' : 'ok'));
    await harness.publishPipeline({
      pipelineId: 'p-timeout',
      definition: single({ maxAttempts: 2, initialBackoffMs: 100, maxBackoffMs: 100, multiplier: 1 }, 1_000),
      cameraId: 'cam-timeout',
    });
    const capture = harness.captureEvent('cam-timeout');
    await harness.publishCapture(capture);
    const [started] = await eventually(() =>
      harness.runStartedBy(capture.envelope.eventId).length
        ? harness.runStartedBy(capture.envelope.eventId)
        : undefined,
    );
    const runId = started!.envelope.runId!;
    const closed = await harness.waitClosed(runId);
    expect(closed.envelope.type).toBe('RunCompleted');
    const failed = harness.events('StepFailed', runId);
    expect(failed.map((e) => [e.attempt, e.code, e.retryable])).toEqual([[1, 'TIMEOUT', true]]);
    const requested = harness.events('StepRequested', runId);
    expect(requested.map((e) => e.attempt)).toEqual([1, 2]);
    expect(failed[0]!.envelope.occurredAt - requested[0]!.envelope.occurredAt).toBeGreaterThanOrEqual(1_000);
  });

  it('a permanent failure fails the run naming the node', async () => {
    harness.behaviour.set('p-fatal', () => 'fatal');
    await harness.publishPipeline({
      pipelineId: 'p-fatal',
      definition: fanOutFanIn(),
      cameraId: 'cam-fatal',
    });
    const capture = harness.captureEvent('cam-fatal');
    await harness.publishCapture(capture);
    const [started] = await eventually(() =>
      harness.runStartedBy(capture.envelope.eventId).length
        ? harness.runStartedBy(capture.envelope.eventId)
        : undefined,
    );
    const closed = await harness.waitClosed(started!.envelope.runId!);
    expect(closed).toMatchObject({
      envelope: { type: 'RunFailed' },
      failedNodeId: 'resize',
      code: 'CORRUPT_IMAGE',
    });
  });

  it('a RunStarted whose plan is unusable fails the run with the reason, and the orchestrator keeps going', async () => {
    const capture = harness.captureEvent('cam-bad-plan');
    const bad = runStartedEvent({
      capture,
      pipelineId: 'p-bad',
      version: 'sha256:x',
      plan: { definition: single({}), stageKinds: { gray: 'image' } },
      trigger: 'MANUAL',
      now: Date.now(),
    });
    bad.definitionJson = '{"nodes": "not a plan"';
    const runId = bad.envelope.runId!;
    await harness.producer.publish(harness.topics.runEvents, runId, 'RunStarted', bad);
    const closed = await harness.waitClosed(runId);
    expect(closed).toMatchObject({
      envelope: { type: 'RunFailed' },
      code: 'INVALID_DEFINITION',
      failedNodeId: null,
    });
    expect((closed as { message: string }).message).toMatch(/does not parse/);

    await harness.publishPipeline({
      pipelineId: 'p-after-bad',
      definition: single({}),
      cameraId: 'cam-after-bad',
    });
    const next = harness.captureEvent('cam-after-bad');
    await harness.publishCapture(next);
    const [started] = await eventually(() =>
      harness.runStartedBy(next.envelope.eventId).length
        ? harness.runStartedBy(next.envelope.eventId)
        : undefined,
    );
    expect((await harness.waitClosed(started!.envelope.runId!)).envelope.type).toBe('RunCompleted');
  });

  describe('replays', () => {
    const replayRequest = (
      replayId: string,
      pipelineId: string,
      version: string,
      filter: { from: number; to: number; cameraIds?: string[] },
    ) => ({
      envelope: {
        eventId: uuidv7(),
        type: 'ReplayRequested',
        occurredAt: Date.now(),
        runId: null,
        imageId: null,
        pipelineId,
        pipelineVersion: version,
        causationId: null,
        correlationId: null,
      },
      replayId,
      filter: { from: filter.from, to: filter.to, cameraIds: filter.cameraIds ?? [], lineIds: [], lots: [] },
      targetPipelineId: pipelineId,
      targetVersion: version,
      baselineVersion: null,
      requestedBy: 'tester',
    });

    it('replays the captures of a window through another version: tagged runs, progress, finished', async () => {
      const from = Date.now();
      await harness.publishPipeline({
        pipelineId: 'p-replay',
        definition: single({}),
        cameraId: 'cam-replay',
      });
      const captures = Array.from({ length: 4 }, () => harness.captureEvent('cam-replay'));
      for (const capture of captures) await harness.publishCapture(capture);
      await harness.publishCapture(harness.captureEvent('cam-other')); // outside the filter
      await eventually(() =>
        captures.every((c) => harness.runStartedBy(c.envelope.eventId).length) ? true : undefined,
      );

      // A second version, saved but not activated: replays run what they are told, not what is active.
      const v2 = fanOutFanIn();
      const version2 = await harness.publishPipeline({ pipelineId: 'p-replay', definition: v2 });
      const replayId = uuidv7();
      await harness.producer.publish(
        harness.topics.runEvents,
        replayId,
        'ReplayRequested',
        replayRequest(replayId, 'p-replay', version2, { from, to: Date.now(), cameraIds: ['cam-replay'] }),
      );

      const finished = await eventually(() =>
        harness.events('ReplayFinished').find((e) => e.replayId === replayId),
      );
      expect(finished).toMatchObject({ outcome: 'COMPLETED', matched: 4, started: 4 });
      expect(
        harness
          .events('ReplayProgressed')
          .filter((e) => e.replayId === replayId)
          .at(-1),
      ).toMatchObject({ matched: 4, started: 4, scanComplete: true });
      const replayRuns = harness.events('RunStarted').filter((e) => e.replayId === replayId);
      expect(replayRuns).toHaveLength(4);
      expect(new Set(replayRuns.map((e) => e.envelope.causationId))).toEqual(
        new Set(captures.map((c) => c.envelope.eventId)),
      );
      expect(replayRuns.every((e) => e.trigger === 'REPLAY' && e.envelope.pipelineVersion === version2)).toBe(
        true,
      );
      for (const run of replayRuns) {
        const closed = await harness.waitClosed(run.envelope.runId!);
        expect(closed.envelope.type).toBe('RunCompleted');
        expect(harness.events('StepRequested', run.envelope.runId!)).toHaveLength(5);
      }
    });

    it('a cancelled replay starts no new runs and finishes CANCELLED; an unknown version finishes FAILED', async () => {
      await harness.publishPipeline({
        pipelineId: 'p-cancel',
        definition: single({}),
        cameraId: 'cam-cancel',
      });
      const replayId = uuidv7();
      const request = replayRequest(replayId, 'p-cancel', versionIdOf(single({})), {
        from: 0,
        to: Date.now(),
      });
      const cancel = {
        envelope: { ...request.envelope, eventId: uuidv7(), type: 'ReplayCancelRequested' },
        replayId,
        requestedBy: 'tester',
      };
      await harness.producer.publishMany([
        { topic: harness.topics.runEvents, key: replayId, type: 'ReplayRequested', event: request },
        { topic: harness.topics.runEvents, key: replayId, type: 'ReplayCancelRequested', event: cancel },
      ]);
      const finished = await eventually(() =>
        harness.events('ReplayFinished').find((e) => e.replayId === replayId),
      );
      expect(finished).toMatchObject({ outcome: 'CANCELLED', started: 0 });
      expect(harness.events('RunStarted').filter((e) => e.replayId === replayId)).toEqual([]);

      const unknown = uuidv7();
      await harness.producer.publish(
        harness.topics.runEvents,
        unknown,
        'ReplayRequested',
        replayRequest(unknown, 'p-cancel', 'sha256:nope', { from: 0, to: Date.now() }),
      );
      const failed = await eventually(() =>
        harness.events('ReplayFinished').find((e) => e.replayId === unknown),
      );
      expect(failed).toMatchObject({ outcome: 'FAILED', started: 0 });
      expect(failed.message).toContain('unknown version sha256:nope');
    });
  });
});
