// The replays read model (projected from ReplayRequested / …Progressed / …CancelRequested / …Finished) and the
// runs a compare needs: persistence has no replay queries, so the SQL lives here, on the gateway's pool.
import { Inject, Injectable } from '@nestjs/common';
import { iso, type Pool } from '@imageflow/persistence';
import { DB_POOL } from '../../platform/platform.tokens';

export interface ReplayRecord {
  id: string;
  pipelineId: string | null;
  targetVersion: string | null;
  baselineVersion: string | null;
  filter: { from: string; to: string; cameraIds: string[]; lineIds: string[]; lots: string[] } | null;
  requestedBy: string | null;
  status: 'requested' | 'running' | 'cancelling' | 'completed' | 'cancelled' | 'failed';
  matched: number;
  started: number;
  scanComplete: boolean;
  message: string | null;
  requestedAt: string | null;
  finishedAt: string | null;
}

export interface ReplayRunCounts {
  total: number;
  queued: number;
  running: number;
  completed: number;
  failed: number;
}

export interface RunBrief {
  runId: string;
  pipelineVersion: string | null;
  status: string;
  verdict: 'OK' | 'NG' | null;
}

/** One image of a replay: the replay's run and the baseline run it is compared with (if any). */
export interface ComparePair {
  imageId: string;
  replay: RunBrief;
  baseline: RunBrief | null;
}

/** What a run found, for comparing: detection label counts, detection texts, text outputs by `<node>.<port>`. */
export interface RunFindings {
  labels: Record<string, number>;
  detectionTexts: string[];
  texts: Record<string, string>;
}

interface ReplayRow {
  id: string;
  target_pipeline_id: string | null;
  target_version: string | null;
  baseline_version: string | null;
  filter: ReplayRecord['filter'];
  requested_by: string | null;
  status: ReplayRecord['status'];
  matched: number;
  started: number;
  scan_complete: boolean;
  message: string | null;
  requested_at: Date | null;
  finished_at: Date | null;
}

interface PairRow {
  image_id: string;
  id: string;
  pipeline_version: string | null;
  status: string;
  verdict: 'OK' | 'NG' | null;
  b_id: string | null;
  b_version: string | null;
  b_status: string | null;
  b_verdict: 'OK' | 'NG' | null;
}

const FILTER_KEYS = ['cameraIds', 'lineIds', 'lots'] as const;

// One run of the replay per image (run ids are name-based, so there is one), and its baseline: the run of the
// baseline version ($2) — or, without one, the original (non-replay) run — on the same image, preferring the
// target pipeline, a finished run, and then the newest.
const COMPARE_PAIRS = `
SELECT DISTINCT ON (r.image_id)
  r.image_id, r.id, r.pipeline_version, r.status, r.verdict,
  b.id AS b_id, b.pipeline_version AS b_version, b.status AS b_status, b.verdict AS b_verdict
FROM runs r
LEFT JOIN LATERAL (
  SELECT c.id, c.pipeline_version, c.status, c.verdict
  FROM runs c
  WHERE c.image_id = r.image_id
    AND c.id <> r.id
    AND c.replay_id IS DISTINCT FROM $1
    AND (CASE WHEN $2::text IS NULL THEN c.replay_id IS NULL
              ELSE c.pipeline_version = $2 AND c.pipeline_id IS NOT DISTINCT FROM $3 END)
  ORDER BY (c.pipeline_id IS NOT DISTINCT FROM $3) DESC, (c.status IN ('completed', 'failed')) DESC,
           (c.replay_id IS NULL) DESC, c.started_at DESC, c.id DESC
  LIMIT 1
) b ON true
WHERE r.replay_id = $1 AND r.image_id IS NOT NULL
ORDER BY r.image_id, (r.status IN ('completed', 'failed')) DESC, r.started_at DESC, r.id DESC`;

const LABEL_COUNTS = `
SELECT run_id, label, count(*)::int AS n FROM detections WHERE run_id = ANY($1::text[]) GROUP BY run_id, label`;

const DETECTION_TEXTS = `
SELECT run_id, text FROM detections
WHERE run_id = ANY($1::text[]) AND text IS NOT NULL
ORDER BY run_id, node_id, idx`;

const TEXT_OUTPUTS = `
SELECT s.run_id, s.node_id, o->>'port' AS port, o->>'text' AS text
FROM steps s
CROSS JOIN LATERAL jsonb_array_elements(
  CASE WHEN jsonb_typeof(s.outputs) = 'array' THEN s.outputs ELSE '[]'::jsonb END) AS o
WHERE s.run_id = ANY($1::text[]) AND o->>'text' IS NOT NULL`;

@Injectable()
export class ReplaysRepository {
  constructor(@Inject(DB_POOL) private readonly db: Pool) {}

  async getReplay(id: string): Promise<ReplayRecord | undefined> {
    const { rows } = await this.db.query<ReplayRow>(
      `SELECT id, target_pipeline_id, target_version, baseline_version, filter, requested_by, status, matched,
              started, scan_complete, message, requested_at, finished_at
       FROM replays WHERE id = $1`,
      [id],
    );
    const row = rows[0];
    if (!row) return undefined;
    const filter = row.filter && {
      from: row.filter.from,
      to: row.filter.to,
      ...Object.fromEntries(FILTER_KEYS.map((key) => [key, row.filter?.[key] ?? []])),
    };
    return {
      id: row.id,
      pipelineId: row.target_pipeline_id,
      targetVersion: row.target_version,
      baselineVersion: row.baseline_version,
      filter: filter as ReplayRecord['filter'],
      requestedBy: row.requested_by,
      status: row.status,
      matched: row.matched,
      started: row.started,
      scanComplete: row.scan_complete,
      message: row.message,
      requestedAt: iso(row.requested_at),
      finishedAt: iso(row.finished_at),
    };
  }

  async runCounts(replayId: string): Promise<ReplayRunCounts> {
    const { rows } = await this.db.query<{ status: string; n: number }>(
      'SELECT status, count(*)::int AS n FROM runs WHERE replay_id = $1 GROUP BY status',
      [replayId],
    );
    const counts: ReplayRunCounts = { total: 0, queued: 0, running: 0, completed: 0, failed: 0 };
    for (const { status, n } of rows) {
      counts.total += n;
      if (status in counts && status !== 'total') counts[status as keyof ReplayRunCounts] += n;
    }
    return counts;
  }

  /** Every image of the replay with its baseline, ordered by image id. */
  async comparePairs(replay: ReplayRecord): Promise<ComparePair[]> {
    const { rows } = await this.db.query<PairRow>(COMPARE_PAIRS, [
      replay.id,
      replay.baselineVersion,
      replay.pipelineId,
    ]);
    return rows.map((row) => ({
      imageId: row.image_id,
      replay: {
        runId: row.id,
        pipelineVersion: row.pipeline_version,
        status: row.status,
        verdict: row.verdict,
      },
      baseline:
        row.b_id === null
          ? null
          : {
              runId: row.b_id,
              pipelineVersion: row.b_version,
              status: row.b_status ?? 'queued',
              verdict: row.b_verdict,
            },
    }));
  }

  /** Findings of each run (an entry for every id asked, empty when it found nothing). */
  async findings(runIds: string[]): Promise<Map<string, RunFindings>> {
    const result = new Map<string, RunFindings>(
      runIds.map((id) => [id, { labels: {}, detectionTexts: [], texts: {} }]),
    );
    if (runIds.length === 0) return result;
    const [labels, detectionTexts, texts] = await Promise.all([
      this.db.query<{ run_id: string; label: string; n: number }>(LABEL_COUNTS, [runIds]),
      this.db.query<{ run_id: string; text: string }>(DETECTION_TEXTS, [runIds]),
      this.db.query<{ run_id: string; node_id: string; port: string; text: string }>(TEXT_OUTPUTS, [runIds]),
    ]);
    for (const row of labels.rows) {
      const findings = result.get(row.run_id);
      if (findings) findings.labels[row.label] = row.n;
    }
    for (const row of detectionTexts.rows) result.get(row.run_id)?.detectionTexts.push(row.text);
    for (const row of texts.rows) {
      const findings = result.get(row.run_id);
      if (findings) findings.texts[`${row.node_id}.${row.port}`] = row.text;
    }
    return result;
  }
}
