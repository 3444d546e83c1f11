import { describe, expect, it } from 'vitest';
import { aRunCompleted, aRunFailed, aRunStarted, aStepStarted } from '../testing';
import { runsProjection } from './runs.projection';

const envelope = { runId: 'run-1', imageId: 'img-1', pipelineId: 'inspect', pipelineVersion: '3' };

describe('runsProjection', () => {
  it('RunStarted inserts a running run with the capture fields denormalised', () => {
    const started = aRunStarted({
      envelope: { ...envelope, occurredAt: Date.parse('2026-02-01T00:00:00Z') },
    });
    const [statement] = runsProjection(started);
    expect(statement?.values).toEqual([
      'run-1',
      'img-1',
      'inspect',
      '3',
      'CAPTURE',
      null,
      'cam-1',
      'line-1',
      'lot-1',
      'sn-1',
      '2026-02-01T00:00:00.000Z',
    ]);
    // A late RunStarted never reopens a finished run.
    expect(statement?.text).toMatch(
      /status = CASE WHEN runs\.status IN \('completed', 'failed'\) THEN runs\.status ELSE 'running' END/,
    );
  });

  it('RunCompleted finishes the run once, deriving a start time if RunStarted is not there yet', () => {
    const end = Date.parse('2026-02-01T00:00:01Z');
    const [statement] = runsProjection(
      aRunCompleted({ envelope: { ...envelope, occurredAt: end }, verdict: 'NG', durationMs: 250 }),
    );
    expect(statement?.values.slice(0, 8)).toEqual([
      'run-1',
      'img-1',
      'inspect',
      '3',
      'NG',
      '2026-02-01T00:00:00.750Z',
      '2026-02-01T00:00:01.000Z',
      250,
    ]);
    expect(statement?.text).toMatch(/WHERE NOT runs\.status IN \('completed', 'failed'\)$/);
  });

  it('RunFailed records the failing node and reason', () => {
    const [statement] = runsProjection(aRunFailed({ envelope, code: 'CORRUPT_IMAGE', message: 'not a PNG' }));
    expect(statement?.values).toEqual(expect.arrayContaining(['resize', 'CORRUPT_IMAGE', 'not a PNG']));
  });

  it('ignores events without a run id and events of other read models', () => {
    expect(runsProjection(aRunCompleted())).toEqual([]);
    expect(runsProjection(aStepStarted({ envelope }))).toEqual([]);
  });
});
