import { Counter, DURATION_BUCKETS, Gauge, Histogram, type Registry } from '@imageflow/observability';

export interface ProjectorMetrics {
  events: Counter<'topic' | 'outcome'>;
  deadLetters: Counter<'topic'>;
  batchDuration: Histogram<'topic'>;
  checkpoint: Gauge<'topic' | 'partition'>;
}

export function projectorMetrics(registry: Registry): ProjectorMetrics {
  const registers = [registry];
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
  };
}
