import { buildEvent } from '@imageflow/messaging/testing';
import { describe, expect, it } from 'vitest';
import { LiveEventsMapper } from './live-events.mapper';

const env = (runId: string, at: number) => ({ runId, pipelineId: 'p', occurredAt: at });
const timings = { queuedMs: 0, fetchMs: 0, computeMs: 0, storeMs: 0, totalMs: 77 };

describe('LiveEventsMapper', () => {
  it('times a step from its request, else its start, else the worker’s total', () => {
    const mapper = new LiveEventsMapper();
    mapper.map({
      type: 'StepStarted',
      event: buildEvent('StepStarted', { envelope: env('r', 1_000), nodeId: 'a', attempt: 2 }),
    });
    const fromStart = mapper.map({
      type: 'StepCompleted',
      event: buildEvent('StepCompleted', { envelope: env('r', 1_250), nodeId: 'a', attempt: 2, timings }),
    });
    expect(fromStart).toMatchObject([{ state: 'done', attempt: 2, durationMs: 250 }]);
    const unseen = mapper.map({
      type: 'StepCompleted',
      event: buildEvent('StepCompleted', { envelope: env('r', 1_300), nodeId: 'b', attempt: 1, timings }),
    });
    expect(unseen).toMatchObject([{ nodeId: 'b', durationMs: 77 }]);
  });

  it('closes a failed run with its error, and forgets finished runs', () => {
    const mapper = new LiveEventsMapper();
    mapper.map({ type: 'RunStarted', event: buildEvent('RunStarted', { envelope: env('r', 0) }) });
    expect(mapper.trackedRuns).toBe(1);
    const failed = mapper.map({
      type: 'RunFailed',
      event: buildEvent('RunFailed', {
        envelope: env('r', 500),
        failedNodeId: 'a',
        code: 'CORRUPT_IMAGE',
        message: 'bad',
        durationMs: 500,
      }),
    });
    expect(failed).toEqual([
      {
        type: 'run.finished',
        runId: 'r',
        pipelineId: 'p',
        status: 'FAILED',
        verdict: null,
        at: new Date(500).toISOString(),
        durationMs: 500,
        error: { code: 'CORRUPT_IMAGE', message: 'bad' },
      },
    ]);
    expect(mapper.trackedRuns).toBe(0);
  });

  it('remembers at most maxRuns runs, forgetting the oldest first', () => {
    const mapper = new LiveEventsMapper(2);
    for (const runId of ['r1', 'r2', 'r3'])
      mapper.map({
        type: 'StepRequested',
        event: buildEvent('StepRequested', { envelope: env(runId, 0), nodeId: 'a', attempt: 1 }),
      });
    expect(mapper.trackedRuns).toBe(2);
    const [first] = mapper.map({
      type: 'StepCompleted',
      event: buildEvent('StepCompleted', { envelope: env('r1', 100), nodeId: 'a', attempt: 1, timings }),
    });
    expect(first).toMatchObject({ durationMs: 77 });
    const [third] = mapper.map({
      type: 'StepCompleted',
      event: buildEvent('StepCompleted', { envelope: env('r3', 100), nodeId: 'a', attempt: 1, timings }),
    });
    expect(third).toMatchObject({ durationMs: 100 });
  });
});
