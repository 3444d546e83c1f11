import type { Detection, StepOutput } from '@imageflow/contracts';
import type { Projection, SqlStatement } from './projection';
import { sql, toIso } from './projection';

/**
 * A step row shows the node's latest attempt. Each event carries (attempt, phase); the row moves only forward:
 * a newer attempt replaces the attempt's columns, the same attempt merges them and keeps the furthest phase,
 * an older attempt changes nothing. So a StepStarted arriving after StepCompleted never reopens the step.
 */
const RANK = (status: string) => `CASE ${status} WHEN 'requested' THEN 0 WHEN 'running' THEN 1 ELSE 2 END`;

/** Columns that belong to one attempt. */
const ATTEMPT_COLUMNS = [
  'worker_id',
  'requested_at',
  'started_at',
  'finished_at',
  'timings',
  'outputs',
  'model_id',
  'model_version',
  'error_code',
  'error_message',
  'retryable',
] as const;
/** Columns that describe the node whatever the attempt. */
const NODE_COLUMNS = ['part_id', 'part_version', 'stage_kind'] as const;
const ALL_COLUMNS = ['run_id', 'node_id', 'status', 'attempts', ...NODE_COLUMNS, ...ATTEMPT_COLUMNS] as const;
type Column = (typeof ALL_COLUMNS)[number];
const JSON_COLUMNS: ReadonlySet<Column> = new Set(['timings', 'outputs']);

const UPSERT_STEP = `
INSERT INTO steps (${ALL_COLUMNS.join(', ')})
VALUES (${ALL_COLUMNS.map((column, i) => `$${i + 1}${JSON_COLUMNS.has(column) ? '::jsonb' : ''}`).join(', ')})
ON CONFLICT (run_id, node_id) DO UPDATE SET
  status = CASE
    WHEN EXCLUDED.attempts > steps.attempts OR ${RANK('EXCLUDED.status')} > ${RANK('steps.status')} THEN EXCLUDED.status
    ELSE steps.status END,
  attempts = EXCLUDED.attempts,
  ${NODE_COLUMNS.map((column) => `${column} = COALESCE(EXCLUDED.${column}, steps.${column})`).join(',\n  ')},
  ${ATTEMPT_COLUMNS.map(
    (column) =>
      `${column} = CASE WHEN EXCLUDED.attempts > steps.attempts THEN EXCLUDED.${column} ELSE COALESCE(EXCLUDED.${column}, steps.${column}) END`,
  ).join(',\n  ')}
WHERE EXCLUDED.attempts >= steps.attempts`;

type StepRow = Partial<Record<Column, unknown>> & {
  run_id: string;
  node_id: string;
  status: string;
  attempts: number;
};

function upsertStep(row: StepRow): SqlStatement {
  return sql(
    UPSERT_STEP,
    ALL_COLUMNS.map((column) => {
      const value = row[column];
      if (value === undefined || value === null) return null;
      return JSON_COLUMNS.has(column) ? JSON.stringify(value) : value;
    }),
  );
}

// Detections and judgements follow the step's completed attempt: written only while that attempt is the row's
// current, completed one (checked after the step upsert in the same transaction).
const CURRENT_COMPLETION = `EXISTS (SELECT 1 FROM steps WHERE run_id = $1 AND node_id = $2 AND attempts = $3 AND status = 'completed')`;

const DELETE_DETECTIONS = `DELETE FROM detections WHERE run_id = $1 AND node_id = $2 AND ${CURRENT_COMPLETION}`;
const INSERT_DETECTIONS = `
INSERT INTO detections (run_id, node_id, idx, port, label, score, box, text, class_id)
SELECT $1, $2, d.idx, d.port, d.label, d.score, d.box, d.text, d.class_id
FROM jsonb_to_recordset($4::jsonb) AS d(idx integer, port text, label text, score double precision, box jsonb, text text, class_id integer)
WHERE ${CURRENT_COMPLETION}`;
const DELETE_JUDGEMENTS = `DELETE FROM judgements WHERE run_id = $1 AND node_id = $2 AND ${CURRENT_COMPLETION}`;
const INSERT_JUDGEMENTS = `
INSERT INTO judgements (run_id, node_id, port, verdict, reasons)
SELECT $1, $2, j.port, j.verdict, j.reasons
FROM jsonb_to_recordset($4::jsonb) AS j(port text, verdict text, reasons jsonb)
WHERE ${CURRENT_COMPLETION}`;

interface DetectionRow {
  idx: number;
  port: string;
  label: string;
  score: number;
  box: { x: number; y: number; width: number; height: number };
  text: string | null;
  class_id: number | null;
}

/** Every detection of every DETECTIONS port, numbered in output order. */
export function detectionRows(outputs: StepOutput[]): DetectionRow[] {
  const rows: DetectionRow[] = [];
  for (const output of outputs) {
    if (output.kind !== 'DETECTIONS' || !output.detections) continue;
    output.detections.forEach((d: Detection) =>
      rows.push({
        idx: rows.length,
        port: output.port,
        label: d.label,
        score: d.score,
        box: { x: d.x, y: d.y, width: d.width, height: d.height },
        text: d.text,
        class_id: d.classId,
      }),
    );
  }
  return rows;
}

export function judgementRows(outputs: StepOutput[]): { port: string; verdict: string; reasons: string[] }[] {
  return outputs.flatMap((output) =>
    output.kind === 'JUDGEMENT' && output.judgement
      ? [{ port: output.port, verdict: output.judgement.verdict, reasons: output.judgement.reasons }]
      : [],
  );
}

/** StepRequested / StepStarted / StepCompleted / StepFailed → `steps`, `detections`, `judgements`. */
export const stepsProjection: Projection = (input) => {
  switch (input.type) {
    case 'StepRequested': {
      const e = input.event;
      if (!e.envelope.runId) return [];
      return [
        upsertStep({
          run_id: e.envelope.runId,
          node_id: e.nodeId,
          status: 'requested',
          attempts: e.attempt,
          part_id: e.partId,
          part_version: e.partVersion,
          stage_kind: e.stageKind,
          requested_at: toIso(e.envelope.occurredAt),
        }),
      ];
    }
    case 'StepStarted': {
      const e = input.event;
      if (!e.envelope.runId) return [];
      return [
        upsertStep({
          run_id: e.envelope.runId,
          node_id: e.nodeId,
          status: 'running',
          attempts: e.attempt,
          worker_id: e.workerId,
          started_at: toIso(e.envelope.occurredAt),
        }),
      ];
    }
    case 'StepCompleted': {
      const e = input.event;
      const runId = e.envelope.runId;
      if (!runId) return [];
      const key = [runId, e.nodeId, e.attempt];
      return [
        upsertStep({
          run_id: runId,
          node_id: e.nodeId,
          status: 'completed',
          attempts: e.attempt,
          part_id: e.partId,
          worker_id: e.workerId,
          finished_at: toIso(e.envelope.occurredAt),
          timings: e.timings,
          outputs: e.outputs,
          model_id: e.modelId,
          model_version: e.modelVersion,
        }),
        sql(DELETE_DETECTIONS, key),
        sql(INSERT_DETECTIONS, [...key, JSON.stringify(detectionRows(e.outputs))]),
        sql(DELETE_JUDGEMENTS, key),
        sql(INSERT_JUDGEMENTS, [...key, JSON.stringify(judgementRows(e.outputs))]),
      ];
    }
    case 'StepFailed': {
      const e = input.event;
      if (!e.envelope.runId) return [];
      return [
        upsertStep({
          run_id: e.envelope.runId,
          node_id: e.nodeId,
          status: 'failed',
          attempts: e.attempt,
          part_id: e.partId,
          worker_id: e.workerId,
          finished_at: toIso(e.envelope.occurredAt),
          timings: e.timings,
          error_code: e.code,
          error_message: e.message,
          retryable: e.retryable,
        }),
      ];
    }
    default:
      return [];
  }
};
