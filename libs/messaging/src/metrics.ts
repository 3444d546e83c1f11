import { Counter, Gauge, type Registry } from '@imageflow/observability';

export interface MessagingMetrics {
  consumed: Counter<'topic'>;
  produced: Counter<'topic'>;
  retried: Counter<'topic'>;
  deadLettered: Counter<'topic'>;
  inFlight: Gauge<'group'>;
  paused: Gauge<'group'>;
  /** Same name and labels as kafka_exporter's, so the lag dashboards work with or without the exporter. */
  lag: Gauge<'consumergroup' | 'topic' | 'partition'>;
}

const byRegistry = new WeakMap<Registry, MessagingMetrics>();

/** The Kafka runtime's metrics on one registry, created once however many producers and consumers share it. */
export function messagingMetrics(registry: Registry): MessagingMetrics {
  let metrics = byRegistry.get(registry);
  if (!metrics) {
    const registers = [registry];
    metrics = {
      consumed: new Counter({
        name: 'imageflow_kafka_consumed_total',
        help: 'Messages handled to the end (processed or dead-lettered)',
        labelNames: ['topic'],
        registers,
      }),
      produced: new Counter({
        name: 'imageflow_kafka_produced_total',
        help: 'Messages acknowledged by the brokers',
        labelNames: ['topic'],
        registers,
      }),
      retried: new Counter({
        name: 'imageflow_kafka_retried_total',
        help: 'Handler attempts that failed and were retried',
        labelNames: ['topic'],
        registers,
      }),
      deadLettered: new Counter({
        name: 'imageflow_kafka_dead_lettered_total',
        help: 'Messages sent to the dead-letter topic, by original topic',
        labelNames: ['topic'],
        registers,
      }),
      inFlight: new Gauge({
        name: 'imageflow_kafka_in_flight',
        help: 'Messages fetched and not yet done',
        labelNames: ['group'],
        registers,
      }),
      lag: new Gauge({
        name: 'kafka_consumergroup_lag',
        help: 'Messages behind the partition end, as seen by this consumer after each batch',
        labelNames: ['consumergroup', 'topic', 'partition'],
        registers,
      }),
      paused: new Gauge({
        name: 'imageflow_kafka_paused',
        help: '1 while fetching is paused for backpressure',
        labelNames: ['group'],
        registers,
      }),
    };
    byRegistry.set(registry, metrics);
  }
  return metrics;
}

/**
 * Creates a consumer's series at 0 as soon as it starts, so Prometheus holds them before the first message,
 * retry or dead letter (rate() and absence-based alerts need a series to exist; a counter with labels has none
 * until its first inc).
 */
export function initConsumerSeries(
  metrics: MessagingMetrics,
  groupId: string,
  topics: readonly string[],
): void {
  for (const topic of topics) {
    metrics.consumed.inc({ topic }, 0);
    metrics.retried.inc({ topic }, 0);
    metrics.deadLettered.inc({ topic }, 0);
  }
  metrics.inFlight.set({ group: groupId }, 0);
  metrics.paused.set({ group: groupId }, 0);
}
