// Lag in images and seconds per pipeline, stage kind and camera line: what no Kafka exporter can give, because
// a stage topic's offsets know nothing of pipelines or lines. The projector owns the read models, so it counts,
// every PIPELINE_LAG_INTERVAL_MS, the steps requested and not finished of the runs still open, and exports them
// as gauges. The numbers are as fresh as the projection (see imageflow_projector_lag_seconds).
import type { Logger } from '@imageflow/observability';
import type { Pool } from '@imageflow/persistence';
import type { ProjectorMetrics } from './projector.metrics';

export interface PipelineLagRow {
  pipeline: string;
  stage: string;
  line: string;
  /** Runs (one image each) with at least one waiting step. */
  images: number;
  steps: number;
  /** Age of the oldest waiting step's request. */
  oldestSeconds: number;
}

/**
 * Waiting steps of open runs only: a failed run can leave sibling steps `requested` forever, and they wait for
 * nothing. The runs_status index keeps this cheap — open runs are the few in flight, not the history.
 * Every (pipeline, stage, line) of the runs started in the last `$1` seconds is listed too, at 0 when nothing of it
 * waits, so a series exists from a line's first run on — not only once a refresh happens to catch a backlog
 * (runs_started keeps that part to the runs of the window).
 */
export const PIPELINE_LAG_SQL = `
WITH waiting AS (
  SELECT coalesce(r.pipeline_id, '') AS pipeline,
         coalesce(s.stage_kind, '') AS stage,
         coalesce(r.line_id, '') AS line,
         count(DISTINCT s.run_id)::int AS images,
         count(*)::int AS steps,
         coalesce(extract(epoch FROM now() - min(s.requested_at)), 0)::float8 AS oldest_seconds
  FROM runs r
  JOIN steps s ON s.run_id = r.id
  WHERE r.status IN ('queued', 'running') AND s.status IN ('requested', 'running')
  GROUP BY 1, 2, 3
), recent AS (
  SELECT DISTINCT coalesce(r.pipeline_id, '') AS pipeline,
         coalesce(s.stage_kind, '') AS stage,
         coalesce(r.line_id, '') AS line
  FROM runs r
  JOIN steps s ON s.run_id = r.id
  WHERE r.started_at > now() - make_interval(secs => $1)
)
SELECT coalesce(w.pipeline, n.pipeline) AS pipeline,
       coalesce(w.stage, n.stage) AS stage,
       coalesce(w.line, n.line) AS line,
       coalesce(w.images, 0) AS images,
       coalesce(w.steps, 0) AS steps,
       coalesce(w.oldest_seconds, 0) AS oldest_seconds
FROM waiting w
FULL OUTER JOIN recent n ON n.pipeline = w.pipeline AND n.stage = w.stage AND n.line = w.line`;

/** Label values for missing columns: Prometheus drops empty labels, and dashboards filter on these. */
export const NO_LINE = 'none';
export const UNKNOWN = 'unknown';

/** The lag rows; `recentSeconds`: how far back runs list their label sets at 0 (a few refresh intervals). */
export async function queryPipelineLag(pool: Pool, recentSeconds = 60): Promise<PipelineLagRow[]> {
  const { rows } = await pool.query<{
    pipeline: string;
    stage: string;
    line: string;
    images: number;
    steps: number;
    oldest_seconds: number;
  }>(PIPELINE_LAG_SQL, [recentSeconds]);
  return rows.map((row) => ({
    pipeline: row.pipeline || UNKNOWN,
    stage: row.stage || UNKNOWN,
    line: row.line || NO_LINE,
    images: Number(row.images),
    steps: Number(row.steps),
    oldestSeconds: Math.max(0, Number(row.oldest_seconds)),
  }));
}

type Labels = { pipeline: string; stage: string; line: string };
const keyOf = (l: Labels) => JSON.stringify([l.pipeline, l.stage, l.line]);

/**
 * Sets the gauges to `rows`; label sets seen before and absent now go to 0 rather than vanishing, so a
 * drained backlog reads 0 (a panel or alert sees it fall) instead of a gap. Returns the label sets known now.
 */
export function applyPipelineLag(
  metrics: Pick<ProjectorMetrics, 'pipelineLagImages' | 'pipelineLagSteps' | 'pipelineLagSeconds'>,
  known: Map<string, Labels>,
  rows: PipelineLagRow[],
): Map<string, Labels> {
  const now = new Map(known);
  const present = new Set<string>();
  for (const row of rows) {
    const labels = { pipeline: row.pipeline, stage: row.stage, line: row.line };
    const key = keyOf(labels);
    present.add(key);
    now.set(key, labels);
    metrics.pipelineLagImages.set(labels, row.images);
    metrics.pipelineLagSteps.set(labels, row.steps);
    metrics.pipelineLagSeconds.set(labels, row.oldestSeconds);
  }
  for (const [key, labels] of now) {
    if (present.has(key)) continue;
    metrics.pipelineLagImages.set(labels, 0);
    metrics.pipelineLagSteps.set(labels, 0);
    metrics.pipelineLagSeconds.set(labels, 0);
  }
  return now;
}

/** Refreshes the pipeline lag gauges on a timer; a failed refresh is counted and logged, never fatal. */
export class PipelineLagExporter {
  private known = new Map<string, Labels>();
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;

  constructor(
    private readonly load: () => Promise<PipelineLagRow[]>,
    private readonly metrics: ProjectorMetrics,
    private readonly intervalMs: number,
    private readonly logger: Logger,
  ) {}

  start(): void {
    if (this.timer) return;
    void this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.inFlight;
  }

  /** One refresh; overlapping calls share the one in flight. */
  refresh(): Promise<void> {
    this.inFlight ??= (async () => {
      try {
        this.known = applyPipelineLag(this.metrics, this.known, await this.load());
      } catch (error) {
        this.metrics.pipelineLagRefreshFailures.inc();
        this.logger.warn({ err: error }, 'pipeline lag refresh failed');
      } finally {
        this.inFlight = undefined;
      }
    })();
    return this.inFlight;
  }
}
