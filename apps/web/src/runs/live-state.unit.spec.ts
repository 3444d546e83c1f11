import type { LiveServerMessage } from '@imageflow/contracts';
import { describe, expect, it } from 'vitest';
import type { RunDetails } from '../api/types';
import { applyLiveMessage, applyRunDetails, initialRunLive, isFinished } from './live-state';

const at = '2026-11-28T09:00:00.000Z';
const step = (
  nodeId: string,
  state: 'requested' | 'running' | 'done' | 'failed',
  attempt = 1,
  extra: Partial<Extract<LiveServerMessage, { type: 'step' }>> = {},
): LiveServerMessage => ({
  type: 'step',
  runId: 'r1',
  pipelineId: 'p1',
  nodeId,
  state,
  attempt,
  at,
  durationMs: null,
  error: null,
  ...extra,
});

describe('live run state', () => {
  it('starts every node queued and follows steps to the end of the run', () => {
    let s = initialRunLive('r1', ['a', 'b']);
    expect(s.nodes['a']?.state).toBe('queued');
    s = applyLiveMessage(s, step('a', 'running'));
    s = applyLiveMessage(s, step('a', 'done', 1, { durationMs: 42 }));
    s = applyLiveMessage(s, step('b', 'failed', 1, { error: { code: 'BAD', message: 'no' } }));
    expect(s.nodes['a']).toEqual({ state: 'done', attempt: 1, durationMs: 42, error: null });
    expect(s.nodes['b']?.error).toEqual({ code: 'BAD', message: 'no' });
    expect(isFinished(s)).toBe(false);
    s = applyLiveMessage(s, {
      type: 'run.finished',
      runId: 'r1',
      pipelineId: 'p1',
      status: 'FAILED',
      verdict: null,
      at,
      durationMs: 900,
      error: { code: 'STEP_FAILED', message: 'b failed' },
    });
    expect(s.status).toBe('failed');
    expect(isFinished(s)).toBe(true);
  });

  it('never moves a node backwards within an attempt, but a retry starts over', () => {
    let s = initialRunLive('r1', ['a']);
    s = applyLiveMessage(s, step('a', 'failed', 1));
    s = applyLiveMessage(s, step('a', 'running', 1));
    expect(s.nodes['a']?.state).toBe('failed');
    s = applyLiveMessage(s, step('a', 'running', 2));
    expect(s.nodes['a']).toMatchObject({ state: 'running', attempt: 2 });
    s = applyLiveMessage(s, step('a', 'done', 1));
    expect(s.nodes['a']).toMatchObject({ state: 'running', attempt: 2 });
  });

  it('ignores other runs and acknowledgements', () => {
    const s = initialRunLive('r1', ['a']);
    expect(applyLiveMessage(s, { ...step('a', 'done'), runId: 'r2' } as LiveServerMessage)).toBe(s);
    expect(
      applyLiveMessage(s, {
        type: 'ack',
        request: { type: 'subscribe', runId: 'r1' },
        ok: true,
        error: null,
      }),
    ).toBe(s);
  });

  it('folds the read model in: step states, durations, skipped nodes and the verdict', () => {
    const details = {
      id: 'r1',
      status: 'completed',
      verdict: 'OK',
      durationMs: 1200,
      error: null,
      skippedNodeIds: ['c'],
      steps: [
        {
          nodeId: 'a',
          status: 'completed',
          attempts: 1,
          requestedAt: '2026-11-28T09:00:00.000Z',
          startedAt: '2026-11-28T09:00:00.100Z',
          finishedAt: '2026-11-28T09:00:00.350Z',
          error: null,
        },
        {
          nodeId: 'b',
          status: 'running',
          attempts: 2,
          requestedAt: at,
          startedAt: at,
          finishedAt: null,
          error: null,
        },
      ],
    } as unknown as RunDetails;
    const s = applyRunDetails(initialRunLive('r1', ['a', 'b', 'c']), details);
    expect(s.nodes['a']).toEqual({ state: 'done', attempt: 1, durationMs: 250, error: null });
    expect(s.nodes['b']).toMatchObject({ state: 'running', attempt: 2 });
    expect(s.nodes['c']?.state).toBe('skipped');
    expect(s).toMatchObject({ status: 'completed', verdict: 'OK', durationMs: 1200 });
  });
});
