import { describe, expect, it } from 'vitest';
import {
  aRunStarted,
  aStepCompleted,
  aStepFailed,
  aStepRequested,
  aStepStarted,
  detectionsOutput,
  judgementOutput,
} from '../testing';
import { detectionRows, judgementRows, stepsProjection } from './steps.projection';

const envelope = { runId: 'run-1', occurredAt: Date.parse('2026-02-01T00:00:00Z') };

describe('stepsProjection', () => {
  it('StepRequested upserts the node with its part and attempt', () => {
    const [statement, ...rest] = stepsProjection(
      aStepRequested({ envelope, nodeId: 'detect', partId: 'ai.detect', attempt: 2 }),
    );
    expect(rest).toEqual([]);
    expect(statement?.values.slice(0, 7)).toEqual([
      'run-1',
      'detect',
      'requested',
      2,
      'ai.detect',
      '1.0.0',
      'image',
    ]);
    expect(statement?.values).toContain('2026-02-01T00:00:00.000Z');
  });

  it('never lets an older attempt or an earlier phase overwrite the row', () => {
    const [statement] = stepsProjection(aStepStarted({ envelope }));
    expect(statement?.text).toContain('WHERE EXCLUDED.attempts >= steps.attempts');
    expect(statement?.text).toMatch(
      /WHEN EXCLUDED\.attempts > steps\.attempts OR CASE EXCLUDED\.status .* > CASE steps\.status/,
    );
  });

  it('StepCompleted writes outputs and timings, then replaces detections and judgements of that attempt', () => {
    const outputs = [detectionsOutput('boxes', 2), judgementOutput('NG', ['dent'])];
    const statements = stepsProjection(aStepCompleted({ envelope, nodeId: 'detect', attempt: 2, outputs }));
    expect(statements.map((s) => s.text.trim().split(/\s+/).slice(0, 3).join(' '))).toEqual([
      'INSERT INTO steps',
      'DELETE FROM detections',
      'INSERT INTO detections',
      'DELETE FROM judgements',
      'INSERT INTO judgements',
    ]);
    const [upsert, , insertDetections, , insertJudgements] = statements;
    expect(upsert?.values).toContain(JSON.stringify(outputs));
    expect(insertDetections?.values.slice(0, 3)).toEqual(['run-1', 'detect', 2]);
    expect(JSON.parse(insertDetections?.values[3] as string)).toHaveLength(2);
    expect(JSON.parse(insertJudgements?.values[3] as string)).toEqual([
      { port: 'judgement', verdict: 'NG', reasons: ['dent'] },
    ]);
    expect(insertDetections?.text).toContain(`attempts = $3 AND status = 'completed'`);
  });

  it('StepFailed records the reason and whether it is retryable', () => {
    const [statement] = stepsProjection(
      aStepFailed({ envelope, code: 'TIMEOUT', message: 'took too long', retryable: false }),
    );
    expect(statement?.values).toEqual(expect.arrayContaining(['failed', 'TIMEOUT', 'took too long', false]));
  });

  it('ignores non-step events', () => {
    expect(stepsProjection(aRunStarted({ envelope }))).toEqual([]);
  });
});

describe('detectionRows / judgementRows', () => {
  it('numbers detections across ports in output order and keeps only typed outputs', () => {
    const rows = detectionRows([detectionsOutput('a', 2), judgementOutput('OK'), detectionsOutput('b', 1)]);
    expect(rows.map((r) => [r.idx, r.port, r.label])).toEqual([
      [0, 'a', 'dent'],
      [1, 'a', 'scratch'],
      [2, 'b', 'dent'],
    ]);
    expect(rows[1]?.box).toEqual({ x: 10, y: 5, width: 20, height: 10 });
    expect(judgementRows([detectionsOutput('a', 1)])).toEqual([]);
  });
});
