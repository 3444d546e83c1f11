import type { Projection } from './projection';
import { sql, toIso } from './projection';

const TERMINAL = `runs.status IN ('completed', 'failed')`;

// RunStarted is authoritative for what the run is; it never moves a finished run back to running.
const RUN_STARTED = `
INSERT INTO runs (id, image_id, pipeline_id, pipeline_version, trigger, replay_id, camera_id, line_id, lot, serial, status, started_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'running', $11)
ON CONFLICT (id) DO UPDATE SET
  image_id = EXCLUDED.image_id,
  pipeline_id = EXCLUDED.pipeline_id,
  pipeline_version = EXCLUDED.pipeline_version,
  trigger = EXCLUDED.trigger,
  replay_id = EXCLUDED.replay_id,
  camera_id = EXCLUDED.camera_id,
  line_id = EXCLUDED.line_id,
  lot = EXCLUDED.lot,
  serial = EXCLUDED.serial,
  started_at = EXCLUDED.started_at,
  status = CASE WHEN ${TERMINAL} THEN runs.status ELSE 'running' END`;

// A terminal event that arrives before RunStarted still creates the row (start = end - duration until
// RunStarted says otherwise); the first terminal event wins.
const RUN_COMPLETED = `
INSERT INTO runs (id, image_id, pipeline_id, pipeline_version, status, verdict, started_at, finished_at, duration_ms, skipped_node_ids)
VALUES ($1, $2, $3, $4, 'completed', $5, $6, $7, $8, $9::jsonb)
ON CONFLICT (id) DO UPDATE SET
  status = 'completed',
  verdict = EXCLUDED.verdict,
  finished_at = EXCLUDED.finished_at,
  duration_ms = EXCLUDED.duration_ms,
  skipped_node_ids = EXCLUDED.skipped_node_ids
WHERE NOT ${TERMINAL}`;

const RUN_FAILED = `
INSERT INTO runs (id, image_id, pipeline_id, pipeline_version, status, started_at, finished_at, duration_ms, failed_node_id, error_code, error_message)
VALUES ($1, $2, $3, $4, 'failed', $5, $6, $7, $8, $9, $10)
ON CONFLICT (id) DO UPDATE SET
  status = 'failed',
  finished_at = EXCLUDED.finished_at,
  duration_ms = EXCLUDED.duration_ms,
  failed_node_id = EXCLUDED.failed_node_id,
  error_code = EXCLUDED.error_code,
  error_message = EXCLUDED.error_message
WHERE NOT ${TERMINAL}`;

/** RunStarted / RunCompleted / RunFailed → `runs`. */
export const runsProjection: Projection = (input) => {
  switch (input.type) {
    case 'RunStarted': {
      const { envelope, capture } = input.event;
      if (!envelope.runId) return [];
      return [
        sql(RUN_STARTED, [
          envelope.runId,
          envelope.imageId ?? input.event.image.sha256,
          envelope.pipelineId,
          envelope.pipelineVersion,
          input.event.trigger,
          input.event.replayId,
          capture.cameraId,
          capture.lineId,
          capture.lot,
          capture.serial,
          toIso(envelope.occurredAt),
        ]),
      ];
    }
    case 'RunCompleted': {
      const { envelope, durationMs } = input.event;
      if (!envelope.runId) return [];
      return [
        sql(RUN_COMPLETED, [
          envelope.runId,
          envelope.imageId,
          envelope.pipelineId,
          envelope.pipelineVersion,
          input.event.verdict,
          toIso(envelope.occurredAt - durationMs),
          toIso(envelope.occurredAt),
          durationMs,
          JSON.stringify(input.event.skippedNodeIds),
        ]),
      ];
    }
    case 'RunFailed': {
      const { envelope, durationMs } = input.event;
      if (!envelope.runId) return [];
      return [
        sql(RUN_FAILED, [
          envelope.runId,
          envelope.imageId,
          envelope.pipelineId,
          envelope.pipelineVersion,
          toIso(envelope.occurredAt - durationMs),
          toIso(envelope.occurredAt),
          durationMs,
          input.event.failedNodeId,
          input.event.code,
          input.event.message,
        ]),
      ];
    }
    default:
      return [];
  }
};
