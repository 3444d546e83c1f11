import { Kafka, logLevel, type EachMessagePayload } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stack, uniqueName } from './stack-env';

describe('Kafka (KRaft) from kafkajs', () => {
  const kafka = new Kafka({
    clientId: 'stack-smoke',
    brokers: stack.kafkaBrokers,
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  const topic = uniqueName('smoke.kafka');

  beforeAll(async () => {
    await admin.connect();
    await producer.connect();
    // A broker that has just started may answer UNKNOWN_TOPIC_OR_PARTITION while a new topic's metadata
    // propagates; kafkajs marks that retriable but its admin does not retry it.
    for (let attempt = 1; ; attempt++) {
      try {
        await admin.createTopics({
          topics: [{ topic, numPartitions: 3, replicationFactor: 1 }],
          waitForLeaders: true,
        });
        await admin.fetchTopicMetadata({ topics: [topic] });
        break;
      } catch (error) {
        if (!(error as { retriable?: boolean }).retriable || attempt >= 20) throw error;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    }
  });

  afterAll(async () => {
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await producer.disconnect();
    await admin.disconnect();
  });

  it('creates a topic with the partitions asked for', async () => {
    const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
    expect(metadata.topics[0]?.partitions).toHaveLength(3);
  });

  it('produces with acks=all and consumes every message through a consumer group, in order per key', async () => {
    const keys = ['camera-a', 'camera-b', 'camera-c', 'camera-d'];
    const perKey = 25;
    const messages = keys.flatMap((key) =>
      Array.from({ length: perKey }, (_, i) => ({ key, value: JSON.stringify({ key, seq: i }) })),
    );
    await producer.send({ topic, acks: -1, messages });

    const groupId = uniqueName('smoke-group');
    const consumer = kafka.consumer({ groupId });
    const seen = new Map<string, number[]>();
    let total = 0;
    let resolveAll!: () => void;
    const all = new Promise<void>((resolve) => (resolveAll = resolve));
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }: EachMessagePayload) => {
        const body = JSON.parse(String(message.value)) as { key: string; seq: number };
        seen.set(body.key, [...(seen.get(body.key) ?? []), body.seq]);
        total += 1;
        if (total === messages.length) resolveAll();
      },
    });
    await Promise.race([
      all,
      new Promise((_, reject) => setTimeout(() => reject(new Error(`only ${total} consumed`)), 60_000)),
    ]);
    await consumer.disconnect();

    expect(total).toBe(keys.length * perKey);
    for (const key of keys) expect(seen.get(key)).toEqual(Array.from({ length: perKey }, (_, i) => i));

    // The group committed what it processed: its lag is zero on every partition.
    const offsets = await admin.fetchOffsets({ groupId, topics: [topic] });
    const ends = await admin.fetchTopicOffsets(topic);
    for (const { partition, offset } of offsets[0]?.partitions ?? []) {
      expect(offset).toBe(ends.find((end) => end.partition === partition)?.offset);
    }
  });
});
