// Pure: the PromQL the operations view asks, and how the answers become per-node numbers. The stage workers label
// their series by stage kind and part id (imageflow_stage_*{stage,part}); consumer lag is per topic
// (kafka_consumergroup_lag{consumergroup,topic,partition}, from kafka-exporter and from the consumers themselves).
// A node is therefore measured by its part on its stage kind — across every pipeline that uses that part — and
// by the lag of its stage's topic.
import type { Sample } from './adapters/prometheus.adapter';

/** Short enough to follow a line that just stopped, long enough for a few scrapes of every target. */
export const RATE_WINDOW = '1m';
export const QUANTILE_WINDOW = '5m';

export const OPERATIONS_QUERIES = {
  processed: `sum by (stage, part) (rate(imageflow_stage_processed_total[${RATE_WINDOW}]))`,
  failed: `sum by (stage, part) (rate(imageflow_stage_failed_total[${RATE_WINDOW}]))`,
  p95: `histogram_quantile(0.95, sum by (stage, part, le) (rate(imageflow_stage_duration_seconds_bucket[${QUANTILE_WINDOW}])))`,
  /** Each topic's backlog: per partition the most behind group (and source, exporter or consumer), summed. */
  lag: `sum by (topic) (max by (topic, partition) (kafka_consumergroup_lag))`,
} as const;

export type OperationsQuery = keyof typeof OPERATIONS_QUERIES;

export interface NodeOfVersion {
  nodeId: string;
  partId: string;
  stageKind: string;
}

export interface NodeOperations extends NodeOfVersion {
  throughputPerSec: number | null;
  failedPerSec: number | null;
  p95Seconds: number | null;
  lagMessages: number | null;
  lagSeconds: number | null;
}

const finite = (value: number | undefined): number | null =>
  value === undefined || !Number.isFinite(value) ? null : value;

const round = (value: number | null, digits = 4): number | null =>
  value === null ? null : Math.round(value * 10 ** digits) / 10 ** digits;

/**
 * Per node: throughput and failures of its part on its stage (0 when Prometheus has no series: nothing ran),
 * p95 step time (null without observations), the backlog of its stage topic (null without a consumer group on it),
 * and that backlog in seconds at the stage's current rate (null while the stage processes nothing).
 */
export function nodeOperations(
  nodes: readonly NodeOfVersion[],
  results: Record<OperationsQuery, Sample[]>,
  topicOf: (stageKind: string) => string,
): NodeOperations[] {
  const byStagePart = (samples: Sample[]) =>
    new Map(samples.map((s) => [`${s.labels['stage'] ?? ''}\u0000${s.labels['part'] ?? ''}`, s.value]));
  const processed = byStagePart(results.processed);
  const failed = byStagePart(results.failed);
  const p95 = byStagePart(results.p95);
  const lag = new Map(results.lag.map((s) => [s.labels['topic'] ?? '', s.value]));
  const stageRate = new Map<string, number>();
  for (const s of results.processed) {
    const stage = s.labels['stage'] ?? '';
    if (Number.isFinite(s.value)) stageRate.set(stage, (stageRate.get(stage) ?? 0) + s.value);
  }
  return nodes.map((node) => {
    const key = `${node.stageKind}\u0000${node.partId}`;
    const lagMessages = finite(lag.get(topicOf(node.stageKind)));
    const rate = stageRate.get(node.stageKind) ?? 0;
    const lagSeconds =
      lagMessages === null ? null : lagMessages === 0 ? 0 : rate > 0 ? lagMessages / rate : null;
    return {
      ...node,
      throughputPerSec: round(finite(processed.get(key)) ?? 0),
      failedPerSec: round(finite(failed.get(key)) ?? 0),
      p95Seconds: round(finite(p95.get(key))),
      lagMessages,
      lagSeconds: round(lagSeconds, 1),
    };
  });
}

/** Prometheus down: the nodes, every number unknown. */
export const unknownOperations = (nodes: readonly NodeOfVersion[]): NodeOperations[] =>
  nodes.map((node) => ({
    ...node,
    throughputPerSec: null,
    failedPerSec: null,
    p95Seconds: null,
    lagMessages: null,
    lagSeconds: null,
  }));
