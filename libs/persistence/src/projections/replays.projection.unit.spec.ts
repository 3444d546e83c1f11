import { describe, expect, it } from 'vitest';
import { anEnvelope } from '../testing';
import { replaysProjection } from './replays.projection';

describe('replaysProjection', () => {
  it('ReplayRequested stores the target and the filter as JSON with ISO times', () => {
    const [statement] = replaysProjection({
      type: 'ReplayRequested',
      event: {
        envelope: anEnvelope('ReplayRequested'),
        replayId: 'rp-1',
        filter: { from: 0, to: 1000, cameraIds: ['cam-1'], lineIds: [], lots: ['L1'] },
        targetPipelineId: 'inspect',
        targetVersion: '4',
        baselineVersion: '3',
        requestedBy: 'alice',
      },
    });
    expect(statement?.values.slice(0, 4)).toEqual(['rp-1', 'inspect', '4', '3']);
    expect(JSON.parse(statement?.values[4] as string)).toEqual({
      from: '1970-01-01T00:00:00.000Z',
      to: '1970-01-01T00:00:01.000Z',
      cameraIds: ['cam-1'],
      lineIds: [],
      lots: ['L1'],
    });
  });

  it('progress and finish only move the status forward and counts up', () => {
    const [progressed] = replaysProjection({
      type: 'ReplayProgressed',
      event: {
        envelope: anEnvelope('ReplayProgressed'),
        replayId: 'rp-1',
        matched: 10,
        started: 4,
        scanComplete: false,
      },
    });
    expect(progressed?.text).toContain('GREATEST(replays.matched, EXCLUDED.matched)');
    const [finished] = replaysProjection({
      type: 'ReplayFinished',
      event: {
        envelope: anEnvelope('ReplayFinished'),
        replayId: 'rp-1',
        outcome: 'CANCELLED',
        matched: 10,
        started: 6,
        message: null,
      },
    });
    expect(finished?.values.slice(0, 4)).toEqual(['rp-1', 'cancelled', 10, 6]);
    expect(finished?.text).toMatch(
      /status = CASE WHEN .* > .* THEN EXCLUDED\.status ELSE replays\.status END/,
    );
  });
});
