import type { Projection } from './projection';
import { sql, toIso } from './projection';

/** Replay status only moves forward: requested → running → cancelling → completed | cancelled | failed. */
const RANK = (status: string) =>
  `CASE ${status} WHEN 'requested' THEN 0 WHEN 'running' THEN 1 WHEN 'cancelling' THEN 2 ELSE 3 END`;
const FORWARD_STATUS = `status = CASE WHEN ${RANK('EXCLUDED.status')} > ${RANK('replays.status')} THEN EXCLUDED.status ELSE replays.status END`;

const REPLAY_REQUESTED = `
INSERT INTO replays (id, target_pipeline_id, target_version, baseline_version, filter, requested_by, status, requested_at)
VALUES ($1, $2, $3, $4, $5::jsonb, $6, 'requested', $7)
ON CONFLICT (id) DO UPDATE SET
  target_pipeline_id = EXCLUDED.target_pipeline_id,
  target_version = EXCLUDED.target_version,
  baseline_version = EXCLUDED.baseline_version,
  filter = EXCLUDED.filter,
  requested_by = EXCLUDED.requested_by,
  requested_at = EXCLUDED.requested_at`;

const REPLAY_PROGRESSED = `
INSERT INTO replays (id, status, matched, started, scan_complete)
VALUES ($1, 'running', $2, $3, $4)
ON CONFLICT (id) DO UPDATE SET
  ${FORWARD_STATUS},
  matched = GREATEST(replays.matched, EXCLUDED.matched),
  started = GREATEST(replays.started, EXCLUDED.started),
  scan_complete = replays.scan_complete OR EXCLUDED.scan_complete`;

const REPLAY_CANCEL_REQUESTED = `
INSERT INTO replays (id, status) VALUES ($1, 'cancelling')
ON CONFLICT (id) DO UPDATE SET ${FORWARD_STATUS}`;

const REPLAY_FINISHED = `
INSERT INTO replays (id, status, matched, started, scan_complete, message, finished_at)
VALUES ($1, $2, $3, $4, true, $5, $6)
ON CONFLICT (id) DO UPDATE SET
  ${FORWARD_STATUS},
  matched = GREATEST(replays.matched, EXCLUDED.matched),
  started = GREATEST(replays.started, EXCLUDED.started),
  scan_complete = true,
  message = COALESCE(replays.message, EXCLUDED.message),
  finished_at = COALESCE(replays.finished_at, EXCLUDED.finished_at)`;

/** ReplayRequested / ReplayProgressed / ReplayCancelRequested / ReplayFinished → `replays`. */
export const replaysProjection: Projection = (input) => {
  switch (input.type) {
    case 'ReplayRequested': {
      const e = input.event;
      return [
        sql(REPLAY_REQUESTED, [
          e.replayId,
          e.targetPipelineId,
          e.targetVersion,
          e.baselineVersion,
          JSON.stringify({
            from: toIso(e.filter.from),
            to: toIso(e.filter.to),
            cameraIds: e.filter.cameraIds,
            lineIds: e.filter.lineIds,
            lots: e.filter.lots,
          }),
          e.requestedBy,
          toIso(e.envelope.occurredAt),
        ]),
      ];
    }
    case 'ReplayProgressed': {
      const e = input.event;
      return [sql(REPLAY_PROGRESSED, [e.replayId, e.matched, e.started, e.scanComplete])];
    }
    case 'ReplayCancelRequested':
      return [sql(REPLAY_CANCEL_REQUESTED, [input.event.replayId])];
    case 'ReplayFinished': {
      const e = input.event;
      return [
        sql(REPLAY_FINISHED, [
          e.replayId,
          e.outcome.toLowerCase(),
          e.matched,
          e.started,
          e.message,
          toIso(e.envelope.occurredAt),
        ]),
      ];
    }
    default:
      return [];
  }
};
