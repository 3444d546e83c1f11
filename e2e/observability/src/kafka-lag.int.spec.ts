// The lag path is real: Kafka -> kafka-exporter (tools/stack) -> Prometheus. The test produces to its own
// topic, commits part of it with its own consumer group, and waits until Prometheus holds exactly the
// remaining lag per partition (and the recorded per-group sum); then moves the offsets and sees the change.
import { ensureTopics } from '@imageflow/messaging';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { query, type Sample } from './prometheus-api';
import { eventually, stack, uniqueName } from './stack-env';

/** Per-partition values of an instant query, e.g. {"0": 18, "1": 15}; undefined while Prometheus has none. */
async function byPartition(promql: string): Promise<Record<string, number> | undefined> {
  const samples: Sample[] = await query(promql);
  if (samples.length === 0) return undefined;
  return Object.fromEntries(samples.map((s) => [s.metric.partition ?? '', Number(s.value[1])]));
}

/** Waits until the query returns exactly `expected`; on timeout the error shows what Prometheus last held. */
async function waitForValues(promql: string, expected: Record<string, number>): Promise<void> {
  let last: Record<string, number> | undefined;
  await eventually(
    async () => {
      last = await byPartition(promql);
      return JSON.stringify(last) === JSON.stringify(expected) ? true : undefined;
    },
    45_000,
    1_000,
    () => `${promql} = ${JSON.stringify(last)}, want ${JSON.stringify(expected)}`,
  );
}

describe('consumer lag from kafka-exporter in Prometheus', () => {
  const kafka = new Kafka({
    clientId: 'observability-e2e',
    brokers: stack.kafkaBrokers,
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  const producer = kafka.producer();
  const topic = uniqueName('e2e.observability.lag');
  const groupId = uniqueName('e2e.observability.group');
  // Messages produced per partition, and how many of them the group commits.
  const produced = { 0: 30, 1: 20 } as const;
  const committed = { 0: 12, 1: 5 } as const;
  const partitions = [0, 1] as const;

  beforeAll(async () => {
    await admin.connect();
    await producer.connect();
    await ensureTopics(kafka, [{ topic, numPartitions: 2, replicationFactor: 1 }]);
  });

  afterAll(async () => {
    await admin.deleteGroups([groupId]).catch(() => undefined);
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await producer.disconnect();
    await admin.disconnect();
  });

  it('exports the end offsets and the committed group lag, and Prometheus holds them', async () => {
    for (const partition of partitions) {
      await producer.send({
        topic,
        acks: -1,
        messages: Array.from({ length: produced[partition] }, (_, i) => ({
          partition,
          value: `m-${partition}-${i}`,
        })),
      });
    }

    // Consume until the group has read (at least) the part it will commit, then commit exactly that part.
    const consumer = kafka.consumer({ groupId });
    const seen = new Map<number, number>();
    let reachedAll!: () => void;
    const reached = new Promise<void>((resolve) => (reachedAll = resolve));
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        seen.set(partition, Math.max(seen.get(partition) ?? -1, Number(message.offset)));
        if (partitions.every((p) => (seen.get(p) ?? -1) >= committed[p] - 1)) reachedAll();
      },
    });
    await Promise.race([
      reached,
      new Promise((_, reject) =>
        setTimeout(() => reject(new Error(`consumed only ${JSON.stringify([...seen])}`)), 30_000),
      ),
    ]);
    await consumer.commitOffsets(
      partitions.map((p) => ({ topic, partition: p, offset: String(committed[p]) })),
    );
    await consumer.disconnect();

    // What Kafka itself says; the exporter must agree with it.
    const ends = await admin.fetchTopicOffsets(topic);
    const offsets = (await admin.fetchOffsets({ groupId, topics: [topic] }))[0]?.partitions ?? [];
    const endOf = (p: number) => Number(ends.find((e) => e.partition === p)?.high);
    const commitOf = (p: number) => Number(offsets.find((o) => o.partition === p)?.offset);
    for (const p of partitions) {
      expect(endOf(p)).toBe(produced[p]);
      expect(commitOf(p)).toBe(committed[p]);
    }
    const expectedLag = Object.fromEntries(partitions.map((p) => [String(p), endOf(p) - commitOf(p)]));
    const expectedEnds = Object.fromEntries(partitions.map((p) => [String(p), endOf(p)]));

    await waitForValues(
      `kafka_topic_partition_current_offset{job="kafka-exporter",topic="${topic}"}`,
      expectedEnds,
    );
    await waitForValues(
      `kafka_consumergroup_lag{job="kafka-exporter",consumergroup="${groupId}",topic="${topic}"}`,
      expectedLag,
    );
    const lagSeries = await query(`kafka_consumergroup_lag{consumergroup="${groupId}"}`);
    expect(
      lagSeries.map((s) => s.metric).sort((a, b) => (a.partition ?? '').localeCompare(b.partition ?? '')),
    ).toEqual(
      partitions.map((p) =>
        expect.objectContaining({
          consumergroup: groupId,
          topic,
          partition: String(p),
          service: 'kafka-exporter',
        }),
      ),
    );
    // The recording rule of deploy/prometheus/rules sums it per group and topic.
    const total = Object.values(expectedLag).reduce((a, b) => a + b, 0);
    await waitForValues(`consumergroup_topic:kafka_consumergroup_lag:sum{consumergroup="${groupId}"}`, {
      '': total,
    });
  });

  it('follows the group: moving its offsets to the end brings the lag in Prometheus to zero', async () => {
    // The group is empty now (consumer disconnected), so its offsets can be set directly.
    await admin.setOffsets({
      groupId,
      topic,
      partitions: partitions.map((p) => ({ partition: p, offset: String(produced[p]) })),
    });
    await waitForValues(
      `kafka_consumergroup_lag{job="kafka-exporter",consumergroup="${groupId}",topic="${topic}"}`,
      Object.fromEntries(partitions.map((p) => [String(p), 0])),
    );
  });
});
