import { Counter, DURATION_BUCKETS, Gauge, Histogram, type Registry } from '@imageflow/observability';

export type PipelineLagLabel = 'pipeline' | 'stage' | 'line';

export interface ProjectorMetrics {
  events: Counter<'topic' | 'outcome'>;
  deadLetters: Counter<'topic'>;
  batchDuration: Histogram<'topic'>;
  checkpoint: Gauge<'topic' | 'partition'>;
  /** Event time (envelope.occurredAt) of the newest event applied per topic; `lag` is derived from it at scrape. */
  lastEventTime: Gauge<'topic'>;
  lag: Gauge<'topic'>;
  /** Work waiting per pipeline, stage kind and camera line, refreshed from the read models (pipeline-lag.metrics.ts). */
  pipelineLagImages: Gauge<PipelineLagLabel>;
  pipelineLagSteps: Gauge<PipelineLagLabel>;
  pipelineLagSeconds: Gauge<PipelineLagLabel>;
  pipelineLagRefreshFailures: Counter;
}

export function projectorMetrics(registry: Registry): ProjectorMetrics {
  const registers = [registry];
  const lastEventTime = new Gauge({
    name: 'imageflow_projector_last_event_timestamp_seconds',
    help: 'Event time (envelope occurredAt, Unix seconds) of the newest event applied, per topic',
    labelNames: ['topic'],
    registers,
  });
  const pipelineLabels: PipelineLagLabel[] = ['pipeline', 'stage', 'line'];
  return {
    events: new Counter({
      name: 'imageflow_projector_events_total',
      help: 'Events written to the event log and projected (outcome=applied) or found already there (outcome=duplicate)',
      labelNames: ['topic', 'outcome'],
      registers,
    }),
    deadLetters: new Counter({
      name: 'imageflow_projector_dead_letters_total',
      help: 'Dead-letter records read into the dead_letters table',
      labelNames: ['topic'],
      registers,
    }),
    batchDuration: new Histogram({
      name: 'imageflow_projector_batch_duration_seconds',
      help: 'Time to write one partition batch (event log, projections, checkpoint) in one transaction',
      labelNames: ['topic'],
      buckets: DURATION_BUCKETS,
      registers,
    }),
    checkpoint: new Gauge({
      name: 'imageflow_projector_checkpoint_offset',
      help: 'Next offset the projector will read, per topic and partition (as committed in Postgres)',
      labelNames: ['topic', 'partition'],
      registers,
    }),
    lastEventTime,
    lag: new Gauge({
      name: 'imageflow_projector_lag_seconds',
      help: 'Now minus the event time of the newest event applied, per topic (grows while a topic is idle)',
      labelNames: ['topic'],
      registers,
      // Computed at scrape time from lastEventTime, so the value is fresh even when no batch arrives.
      async collect() {
        const now = Date.now() / 1000;
        for (const { labels, value } of (await lastEventTime.get()).values) {
          this.set(labels, Math.max(0, now - value));
        }
      },
    }),
    pipelineLagImages: new Gauge({
      name: 'imageflow_pipeline_lag_images',
      help: 'Images (runs) with a step requested and not finished, per pipeline, stage kind and camera line',
      labelNames: pipelineLabels,
      registers,
    }),
    pipelineLagSteps: new Gauge({
      name: 'imageflow_pipeline_lag_steps',
      help: 'Steps requested and not finished, per pipeline, stage kind and camera line',
      labelNames: pipelineLabels,
      registers,
    }),
    pipelineLagSeconds: new Gauge({
      name: 'imageflow_pipeline_lag_seconds',
      help: 'Age of the oldest step requested and not finished, per pipeline, stage kind and camera line',
      labelNames: pipelineLabels,
      registers,
    }),
    pipelineLagRefreshFailures: new Counter({
      name: 'imageflow_pipeline_lag_refresh_failures_total',
      help: 'Pipeline lag refreshes that failed (the gauges keep their last values)',
      registers,
    }),
  };
}
