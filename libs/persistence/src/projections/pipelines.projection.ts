import type { Projection } from './projection';
import { sql, toIso } from './projection';

/**
 * The version's row. Saving the same definition again (same content hash) keeps one row, described by the earliest
 * save whatever order the saves are read in. It is inserted with the next free `seq`; RENUMBER then puts it in place.
 */
const UPSERT_VERSION = `
INSERT INTO pipeline_versions (pipeline_id, version, seq, name, message, definition, stage_kinds, created_at, created_by, event_id)
SELECT $1, $2, COALESCE(MAX(seq), 0) + 1, $3, $4, $5::jsonb, $6::jsonb, $7, $8, $9
FROM pipeline_versions WHERE pipeline_id = $1
ON CONFLICT (pipeline_id, version) DO UPDATE SET
  name = EXCLUDED.name,
  message = EXCLUDED.message,
  definition = EXCLUDED.definition,
  stage_kinds = EXCLUDED.stage_kinds,
  created_at = EXCLUDED.created_at,
  created_by = EXCLUDED.created_by,
  event_id = EXCLUDED.event_id
WHERE (EXCLUDED.created_at, EXCLUDED.event_id) < (pipeline_versions.created_at, pipeline_versions.event_id)`;

/**
 * `seq` = position in creation order, so the numbers depend only on which versions exist, not on the order they were
 * read in (they are read in log order on the pipeline's partition, so in practice a new version just gets the next).
 */
const RENUMBER_VERSIONS = `
UPDATE pipeline_versions v SET seq = r.n
FROM (
  SELECT version, row_number() OVER (ORDER BY created_at, event_id)::integer AS n FROM pipeline_versions WHERE pipeline_id = $1
) r
WHERE v.pipeline_id = $1 AND v.version = r.version AND v.seq <> r.n`;

/** The pipeline is named after its newest version, whatever order the versions are read in. */
const UPSERT_PIPELINE_FROM_VERSION = `
INSERT INTO pipelines (id, name, created_at, updated_at) VALUES ($1, $2, $3, $3)
ON CONFLICT (id) DO UPDATE SET
  created_at = LEAST(pipelines.created_at, EXCLUDED.created_at),
  updated_at = GREATEST(pipelines.updated_at, EXCLUDED.updated_at),
  name = (SELECT v.name FROM pipeline_versions v WHERE v.pipeline_id = $1 ORDER BY v.created_at DESC, v.seq DESC LIMIT 1)`;

const INSERT_ACTIVATION = `
INSERT INTO pipeline_activations (event_id, pipeline_id, version, activated_at, activated_by) VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (event_id) DO NOTHING`;

// The latest activation wins; for equal times the one read last (log order on the pipeline's partition), as the
// orchestrator decides. An activation read before its version is recorded all the same.
const LATER = 'pipelines.activated_at IS NULL OR EXCLUDED.activated_at >= pipelines.activated_at';
const UPSERT_PIPELINE_FROM_ACTIVATION = `
INSERT INTO pipelines (id, created_at, updated_at, active_version, activated_at, activated_by) VALUES ($1, $2, $2, $3, $2, $4)
ON CONFLICT (id) DO UPDATE SET
  created_at = LEAST(pipelines.created_at, EXCLUDED.created_at),
  updated_at = GREATEST(pipelines.updated_at, EXCLUDED.updated_at),
  active_version = CASE WHEN ${LATER} THEN EXCLUDED.active_version ELSE pipelines.active_version END,
  activated_by = CASE WHEN ${LATER} THEN EXCLUDED.activated_by ELSE pipelines.activated_by END,
  activated_at = CASE WHEN ${LATER} THEN EXCLUDED.activated_at ELSE pipelines.activated_at END`;

/**
 * JSON text for a jsonb column. The gateway validates definitions before it publishes them, but a projection must
 * never fail on an event that decoded (the partition would stop): text that is not JSON, or that jsonb refuses
 * (a `\u0000` escape), is kept whole as a JSON string.
 */
export function jsonbText(text: string): string {
  if (text.includes('\\u0000')) return JSON.stringify(text);
  try {
    JSON.parse(text);
    return text;
  } catch {
    return JSON.stringify(text);
  }
}

/** PipelineVersionCreated / PipelineVersionActivated → `pipelines`, `pipeline_versions`, `pipeline_activations`. */
export const pipelinesProjection: Projection = (input) => {
  switch (input.type) {
    case 'PipelineVersionCreated': {
      const e = input.event;
      const at = toIso(e.envelope.occurredAt);
      return [
        sql(UPSERT_VERSION, [
          e.pipelineId,
          e.version,
          e.name,
          e.message,
          jsonbText(e.definitionJson),
          jsonbText(e.stageKindsJson),
          at,
          e.createdBy,
          e.envelope.eventId,
        ]),
        sql(RENUMBER_VERSIONS, [e.pipelineId]),
        sql(UPSERT_PIPELINE_FROM_VERSION, [e.pipelineId, e.name, at]),
      ];
    }
    case 'PipelineVersionActivated': {
      const e = input.event;
      const at = toIso(e.envelope.occurredAt);
      return [
        sql(INSERT_ACTIVATION, [e.envelope.eventId, e.pipelineId, e.version, at, e.activatedBy]),
        sql(UPSERT_PIPELINE_FROM_ACTIVATION, [e.pipelineId, at, e.version, e.activatedBy]),
      ];
    }
    default:
      return [];
  }
};
