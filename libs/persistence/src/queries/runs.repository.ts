import type { Queryable } from '../db/pool.adapter';
import { clampLimit, decodeCursor, encodeCursor, iso, type Page, type PageRequest } from './cursor';

export const RUN_STATUSES = ['queued', 'running', 'completed', 'failed'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
export type StepStatus = 'requested' | 'running' | 'completed' | 'failed';

export interface RunFilters {
  status?: RunStatus;
  cameraId?: string;
  lineId?: string;
  lot?: string;
  pipelineId?: string;
  pipelineVersion?: string;
  imageId?: string;
  replayId?: string;
  /** started_at >= from (ISO 8601). */
  from?: string;
  /** started_at < to (ISO 8601). */
  to?: string;
}

export interface RunRecord {
  id: string;
  imageId: string | null;
  pipelineId: string | null;
  pipelineVersion: string | null;
  trigger: string | null;
  replayId: string | null;
  cameraId: string | null;
  lineId: string | null;
  lot: string | null;
  serial: string | null;
  status: RunStatus;
  verdict: 'OK' | 'NG' | null;
  startedAt: string;
  finishedAt: string | null;
  durationMs: number | null;
  failedNodeId: string | null;
  error: { code: string; message: string | null } | null;
  skippedNodeIds: string[];
}

export interface StepRecord {
  nodeId: string;
  partId: string | null;
  partVersion: string | null;
  stageKind: string | null;
  status: StepStatus;
  attempts: number;
  workerId: string | null;
  requestedAt: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  timings: Record<string, number> | null;
  /** The step's StepOutput list as in the StepCompleted event (object refs, detections, text…). */
  outputs: unknown[] | null;
  modelId: string | null;
  modelVersion: string | null;
  error: { code: string; message: string | null; retryable: boolean | null } | null;
}

export interface DetectionRecord {
  nodeId: string;
  idx: number;
  port: string;
  label: string;
  score: number;
  box: { x: number; y: number; width: number; height: number };
  text: string | null;
  classId: number | null;
}

export interface JudgementRecord {
  nodeId: string;
  port: string;
  verdict: 'OK' | 'NG';
  reasons: string[];
}

export interface RunDetails extends RunRecord {
  steps: StepRecord[];
  detections: DetectionRecord[];
  judgements: JudgementRecord[];
}

interface RunRow {
  id: string;
  image_id: string | null;
  pipeline_id: string | null;
  pipeline_version: string | null;
  trigger: string | null;
  replay_id: string | null;
  camera_id: string | null;
  line_id: string | null;
  lot: string | null;
  serial: string | null;
  status: RunStatus;
  verdict: 'OK' | 'NG' | null;
  started_at: Date;
  finished_at: Date | null;
  duration_ms: number | null;
  failed_node_id: string | null;
  error_code: string | null;
  error_message: string | null;
  skipped_node_ids: string[];
}

interface StepRow {
  node_id: string;
  part_id: string | null;
  part_version: string | null;
  stage_kind: string | null;
  status: StepStatus;
  attempts: number;
  worker_id: string | null;
  requested_at: Date | null;
  started_at: Date | null;
  finished_at: Date | null;
  timings: Record<string, number> | null;
  outputs: unknown[] | null;
  model_id: string | null;
  model_version: string | null;
  error_code: string | null;
  error_message: string | null;
  retryable: boolean | null;
}

const toRun = (row: RunRow): RunRecord => ({
  id: row.id,
  imageId: row.image_id,
  pipelineId: row.pipeline_id,
  pipelineVersion: row.pipeline_version,
  trigger: row.trigger,
  replayId: row.replay_id,
  cameraId: row.camera_id,
  lineId: row.line_id,
  lot: row.lot,
  serial: row.serial,
  status: row.status,
  verdict: row.verdict,
  startedAt: iso(row.started_at) as string,
  finishedAt: iso(row.finished_at),
  durationMs: row.duration_ms,
  failedNodeId: row.failed_node_id,
  error: row.error_code ? { code: row.error_code, message: row.error_message } : null,
  skippedNodeIds: row.skipped_node_ids,
});

const toStep = (row: StepRow): StepRecord => ({
  nodeId: row.node_id,
  partId: row.part_id,
  partVersion: row.part_version,
  stageKind: row.stage_kind,
  status: row.status,
  attempts: row.attempts,
  workerId: row.worker_id,
  requestedAt: iso(row.requested_at),
  startedAt: iso(row.started_at),
  finishedAt: iso(row.finished_at),
  timings: row.timings,
  outputs: row.outputs,
  modelId: row.model_id,
  modelVersion: row.model_version,
  error: row.error_code
    ? { code: row.error_code, message: row.error_message, retryable: row.retryable }
    : null,
});

// Filter name → column. Each has an index ending in (started_at DESC, id DESC), see the migration.
const EQUALITY_FILTERS = {
  status: 'status',
  cameraId: 'camera_id',
  lineId: 'line_id',
  lot: 'lot',
  pipelineId: 'pipeline_id',
  pipelineVersion: 'pipeline_version',
  imageId: 'image_id',
  replayId: 'replay_id',
} as const satisfies Record<string, string>;

export class InvalidFilterError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidFilterError';
  }
}

/** WHERE clause and values of a runs query; pure, so the SQL shape is unit-tested. */
export function buildRunsQuery(
  filters: RunFilters,
  page: PageRequest,
): { text: string; values: unknown[]; limit: number } {
  const where: string[] = [];
  const values: unknown[] = [];
  const param = (value: unknown) => {
    values.push(value);
    return `$${values.length}`;
  };
  for (const [name, column] of Object.entries(EQUALITY_FILTERS) as [
    keyof typeof EQUALITY_FILTERS,
    string,
  ][]) {
    const value = filters[name];
    if (value !== undefined && value !== '') where.push(`${column} = ${param(value)}`);
  }
  if (filters.status !== undefined && !RUN_STATUSES.includes(filters.status)) {
    throw new InvalidFilterError(`status must be one of ${RUN_STATUSES.join(', ')}`);
  }
  for (const [name, op] of [
    ['from', '>='],
    ['to', '<'],
  ] as const) {
    const value = filters[name];
    if (value === undefined || value === '') continue;
    if (Number.isNaN(Date.parse(value))) throw new InvalidFilterError(`${name} must be an ISO 8601 time`);
    where.push(`started_at ${op} ${param(new Date(value).toISOString())}`);
  }
  if (page.cursor) {
    const position = decodeCursor(page.cursor);
    where.push(`(started_at, id) < (${param(position.at)}::timestamptz, ${param(position.id)})`);
  }
  const limit = clampLimit(page.limit);
  const text = `SELECT * FROM runs${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY started_at DESC, id DESC LIMIT ${param(limit + 1)}`;
  return { text, values, limit };
}

export class RunsRepository {
  constructor(private readonly db: Queryable) {}

  /** Newest first; keyset pagination on (started_at, id), so pages stay stable while runs keep arriving. */
  async listRuns(filters: RunFilters = {}, page: PageRequest = {}): Promise<Page<RunRecord>> {
    const query = buildRunsQuery(filters, page);
    const { rows } = await this.db.query<RunRow>(query.text, query.values);
    const items = rows.slice(0, query.limit).map(toRun);
    const last = items[items.length - 1];
    return {
      items,
      nextCursor:
        rows.length > query.limit && last ? encodeCursor({ at: last.startedAt, id: last.id }) : null,
    };
  }

  async getRun(id: string): Promise<RunDetails | undefined> {
    const { rows } = await this.db.query<RunRow>(`SELECT * FROM runs WHERE id = $1`, [id]);
    const row = rows[0];
    if (!row) return undefined;
    const [steps, detections, judgements] = await Promise.all([
      this.db.query<StepRow>(
        `SELECT * FROM steps WHERE run_id = $1 ORDER BY requested_at NULLS LAST, started_at NULLS LAST, node_id`,
        [id],
      ),
      this.db.query<{
        node_id: string;
        idx: number;
        port: string;
        label: string;
        score: number;
        box: DetectionRecord['box'];
        text: string | null;
        class_id: number | null;
      }>(`SELECT * FROM detections WHERE run_id = $1 ORDER BY node_id, idx`, [id]),
      this.db.query<{ node_id: string; port: string; verdict: 'OK' | 'NG'; reasons: string[] }>(
        `SELECT * FROM judgements WHERE run_id = $1 ORDER BY node_id, port`,
        [id],
      ),
    ]);
    return {
      ...toRun(row),
      steps: steps.rows.map(toStep),
      detections: detections.rows.map((d) => ({
        nodeId: d.node_id,
        idx: d.idx,
        port: d.port,
        label: d.label,
        score: d.score,
        box: d.box,
        text: d.text,
        classId: d.class_id,
      })),
      judgements: judgements.rows.map((j) => ({
        nodeId: j.node_id,
        port: j.port,
        verdict: j.verdict,
        reasons: j.reasons,
      })),
    };
  }
}
