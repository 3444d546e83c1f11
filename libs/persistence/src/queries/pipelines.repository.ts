import type { BindingTargetKind } from '@imageflow/contracts';
import type { Queryable } from '../db/pool.adapter';
import { clampLimit, decodeCursor, encodeCursor, iso, type Page, type PageRequest } from './cursor';
import { InvalidFilterError } from './runs.repository';

export const BINDING_TARGET_KINDS = ['CAMERA', 'LINE'] as const satisfies readonly BindingTargetKind[];

/** The active version of a pipeline. Its details are null while the activation is known but the version is not yet. */
export interface ActiveVersionSummary {
  version: string;
  seq: number | null;
  name: string | null;
  message: string | null;
  createdAt: string | null;
  createdBy: string | null;
  activatedAt: string;
  activatedBy: string;
}

export interface PipelineRecord {
  id: string;
  /** The name saved with its newest version; null while no version of it has been read. */
  name: string | null;
  createdAt: string;
  updatedAt: string;
  versionCount: number;
  activeVersion: ActiveVersionSummary | null;
}

export interface PipelineVersionSummary {
  pipelineId: string;
  /** `sha256:` content hash of the canonical definition. */
  version: string;
  /** 1, 2, … in creation order within the pipeline, for display ("v3"). */
  seq: number;
  name: string;
  message: string | null;
  createdAt: string;
  createdBy: string;
  /** Node id → stage kind, resolved from the parts catalog when the version was saved. */
  stageKinds: Record<string, string>;
  active: boolean;
}

export interface PipelineVersionRecord extends PipelineVersionSummary {
  /** The PipelineDefinition (libs/pipeline) as saved. */
  definition: unknown;
}

export interface ActivationRecord {
  pipelineId: string;
  version: string;
  /** Null when the version has not been read (yet). */
  seq: number | null;
  activatedAt: string;
  activatedBy: string;
  /** The version active before this activation, null for the first one. */
  previousVersion: string | null;
  /** True when this activation went back to an older version than the one it replaced. */
  rollback: boolean;
}

export interface BindingRecord {
  targetKind: BindingTargetKind;
  targetId: string;
  pipelineId: string;
  boundAt: string;
}

export interface BindingFilters {
  pipelineId?: string;
}

interface PipelineRow {
  id: string;
  name: string | null;
  created_at: Date;
  updated_at: Date;
  active_version: string | null;
  activated_at: Date | null;
  activated_by: string | null;
  version_count: number;
  active_seq: number | null;
  active_name: string | null;
  active_message: string | null;
  active_created_at: Date | null;
  active_created_by: string | null;
}

interface VersionRow {
  pipeline_id: string;
  version: string;
  seq: number;
  name: string;
  message: string | null;
  created_at: Date;
  created_by: string;
  stage_kinds: Record<string, string>;
  active: boolean;
  definition?: unknown;
}

interface ActivationRow {
  pipeline_id: string;
  version: string;
  seq: number | null;
  activated_at: Date;
  activated_by: string;
  previous_version: string | null;
  previous_seq: number | null;
}

interface BindingRow {
  target_kind: BindingTargetKind;
  target_id: string;
  pipeline_id: string;
  bound_at: Date;
}

const PIPELINE_SELECT = `
SELECT p.*,
  (SELECT count(*) FROM pipeline_versions c WHERE c.pipeline_id = p.id)::integer AS version_count,
  v.seq AS active_seq, v.name AS active_name, v.message AS active_message,
  v.created_at AS active_created_at, v.created_by AS active_created_by
FROM pipelines p
LEFT JOIN pipeline_versions v ON v.pipeline_id = p.id AND v.version = p.active_version`;

const VERSION_COLUMNS = `pv.pipeline_id, pv.version, pv.seq, pv.name, pv.message, pv.created_at, pv.created_by, pv.stage_kinds,
  (pv.version = (SELECT p.active_version FROM pipelines p WHERE p.id = pv.pipeline_id)) IS TRUE AS active`;

const toPipeline = (row: PipelineRow): PipelineRecord => ({
  id: row.id,
  name: row.name,
  createdAt: iso(row.created_at) as string,
  updatedAt: iso(row.updated_at) as string,
  versionCount: row.version_count,
  activeVersion:
    row.active_version === null
      ? null
      : {
          version: row.active_version,
          seq: row.active_seq,
          name: row.active_name,
          message: row.active_message,
          createdAt: iso(row.active_created_at),
          createdBy: row.active_created_by,
          activatedAt: iso(row.activated_at) as string,
          activatedBy: row.activated_by as string,
        },
});

const toVersionSummary = (row: VersionRow): PipelineVersionSummary => ({
  pipelineId: row.pipeline_id,
  version: row.version,
  seq: row.seq,
  name: row.name,
  message: row.message,
  createdAt: iso(row.created_at) as string,
  createdBy: row.created_by,
  stageKinds: row.stage_kinds,
  active: row.active,
});

const toBinding = (row: BindingRow): BindingRecord => ({
  targetKind: row.target_kind,
  targetId: row.target_id,
  pipelineId: row.pipeline_id,
  boundAt: iso(row.bound_at) as string,
});

/** The pipelines page query; pure, so its shape is unit-tested. Newest pipeline first, keyset on (created_at, id). */
export function buildPipelinesQuery(page: PageRequest): { text: string; values: unknown[]; limit: number } {
  const values: unknown[] = [];
  let where = '';
  if (page.cursor) {
    const position = decodeCursor(page.cursor);
    values.push(position.at, position.id);
    where = ` WHERE (p.created_at, p.id) < ($1::timestamptz, $2)`;
  }
  const limit = clampLimit(page.limit);
  values.push(limit + 1);
  return {
    text: `${PIPELINE_SELECT}${where} ORDER BY p.created_at DESC, p.id DESC LIMIT $${values.length}`,
    values,
    limit,
  };
}

export function assertBindingTargetKind(kind: string): asserts kind is BindingTargetKind {
  if (!(BINDING_TARGET_KINDS as readonly string[]).includes(kind)) {
    throw new InvalidFilterError(`binding target kind must be one of ${BINDING_TARGET_KINDS.join(', ')}`);
  }
}

/** Pipelines, their versions, activation history and camera / line bindings, as projected from imageflow.pipelines.v1. */
export class PipelinesRepository {
  constructor(private readonly db: Queryable) {}

  async listPipelines(page: PageRequest = {}): Promise<Page<PipelineRecord>> {
    const query = buildPipelinesQuery(page);
    const { rows } = await this.db.query<PipelineRow>(query.text, query.values);
    const items = rows.slice(0, query.limit).map(toPipeline);
    const last = items[items.length - 1];
    return {
      items,
      nextCursor:
        rows.length > query.limit && last ? encodeCursor({ at: last.createdAt, id: last.id }) : null,
    };
  }

  async getPipeline(id: string): Promise<PipelineRecord | undefined> {
    const { rows } = await this.db.query<PipelineRow>(`${PIPELINE_SELECT} WHERE p.id = $1`, [id]);
    return rows[0] && toPipeline(rows[0]);
  }

  /** Every version of a pipeline, newest first, without the definitions. */
  async listPipelineVersions(pipelineId: string): Promise<PipelineVersionSummary[]> {
    const { rows } = await this.db.query<VersionRow>(
      `SELECT ${VERSION_COLUMNS} FROM pipeline_versions pv WHERE pv.pipeline_id = $1 ORDER BY pv.seq DESC`,
      [pipelineId],
    );
    return rows.map(toVersionSummary);
  }

  async getPipelineVersion(pipelineId: string, version: string): Promise<PipelineVersionRecord | undefined> {
    const { rows } = await this.db.query<VersionRow>(
      `SELECT ${VERSION_COLUMNS}, pv.definition FROM pipeline_versions pv WHERE pv.pipeline_id = $1 AND pv.version = $2`,
      [pipelineId, version],
    );
    const row = rows[0];
    return row && { ...toVersionSummary(row), definition: row.definition };
  }

  /** The activation history, newest first; a rollback is an activation of an older version than the one before. */
  async listActivations(pipelineId: string): Promise<ActivationRecord[]> {
    const { rows } = await this.db.query<ActivationRow>(
      `SELECT a.pipeline_id, a.version, v.seq, a.activated_at, a.activated_by,
              LAG(a.version) OVER w AS previous_version, LAG(v.seq) OVER w AS previous_seq
       FROM pipeline_activations a
       LEFT JOIN pipeline_versions v ON v.pipeline_id = a.pipeline_id AND v.version = a.version
       WHERE a.pipeline_id = $1
       WINDOW w AS (ORDER BY a.activated_at, a.event_id)
       ORDER BY a.activated_at DESC, a.event_id DESC`,
      [pipelineId],
    );
    return rows.map((row) => ({
      pipelineId: row.pipeline_id,
      version: row.version,
      seq: row.seq,
      activatedAt: iso(row.activated_at) as string,
      activatedBy: row.activated_by,
      previousVersion: row.previous_version,
      rollback: row.seq !== null && row.previous_seq !== null && row.seq < row.previous_seq,
    }));
  }

  /** Current bindings, cameras then lines, by target id; optionally only those of one pipeline. */
  async listBindings(filters: BindingFilters = {}): Promise<BindingRecord[]> {
    const byPipeline = filters.pipelineId !== undefined && filters.pipelineId !== '';
    const { rows } = await this.db.query<BindingRow>(
      `SELECT * FROM bindings${byPipeline ? ' WHERE pipeline_id = $1' : ''} ORDER BY target_kind, target_id`,
      byPipeline ? [filters.pipelineId] : [],
    );
    return rows.map(toBinding);
  }

  /** The pipeline a camera or line is bound to now; throws InvalidFilterError for an unknown kind. */
  async findBinding(kind: string, targetId: string): Promise<BindingRecord | undefined> {
    assertBindingTargetKind(kind);
    const { rows } = await this.db.query<BindingRow>(
      `SELECT * FROM bindings WHERE target_kind = $1 AND target_id = $2`,
      [kind, targetId],
    );
    return rows[0] && toBinding(rows[0]);
  }
}
