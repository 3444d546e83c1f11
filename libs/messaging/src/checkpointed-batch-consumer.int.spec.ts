// CheckpointedBatchConsumer against the local stack: the position comes from the caller's checkpoint store, not Kafka.
import { createLogger } from '@imageflow/observability';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CheckpointedBatchConsumer,
  nextOffset,
  RawCheckpointedBatchConsumer,
  type CheckpointedBatch,
} from './checkpointed-batch-consumer';
import { deadLetterOf } from './dead-letter';
import { EventProducer } from './event-producer';
import { EventSerde } from './event-serde';
import { createKafka, ensureTopics } from './kafka.adapter';
import {
  buildEvent,
  consumeMessages,
  deleteTopics,
  eventually,
  groupPosition,
  testStack,
  uniqueName,
} from './testing';

const logger = createLogger('messaging-int', process.env['KAFKA_TEST_LOG'] ? 'info' : 'silent');
const kafka = createKafka({ brokers: [...testStack.kafkaBrokers], clientId: 'messaging-int-batch', logger });
const serde = new EventSerde({ registryUrl: testStack.schemaRegistryUrl });
const producer = new EventProducer(kafka, serde, { logger });
const topic = uniqueName('test.messaging.checkpointed');
const dlqTopic = uniqueName('test.messaging.checkpointed-dlq');

/** A stand-in for the projector's table: checkpoint and effects change together, like one Postgres transaction. */
class CheckpointStore {
  readonly checkpoints = new Map<number, string>();
  readonly applied: Array<{ partition: number; offset: string; eventId: string }> = [];
  readonly batches: CheckpointedBatch[] = [];
  failNext = 0;

  load = async (t: string, partition: number): Promise<string | undefined> =>
    t === topic ? this.checkpoints.get(partition) : undefined;

  handle = async (batch: CheckpointedBatch): Promise<void> => {
    if (this.failNext > 0) {
      this.failNext -= 1;
      throw new Error('transaction rolled back');
    }
    this.batches.push(batch);
    for (const m of batch.messages)
      this.applied.push({
        partition: m.partition,
        offset: m.offset,
        eventId: m.decoded.event.envelope.eventId,
      });
    this.checkpoints.set(batch.partition, nextOffset(batch.lastOffset));
  };
}

beforeAll(async () => {
  await ensureTopics(kafka, [
    { topic, numPartitions: 2 },
    { topic: dlqTopic, numPartitions: 1 },
  ]);
  await producer.connect();
});

afterAll(async () => {
  await producer.disconnect();
  await deleteTopics(kafka, [topic, dlqTopic]);
});

describe('CheckpointedBatchConsumer', () => {
  it('starts each partition at its loaded checkpoint, retries failed batches, resumes from the checkpoint after a restart', async () => {
    // 24 events over both partitions, plus one undecodable message.
    const placed: Array<{ partition: number; offset: string; eventId: string }> = [];
    for (let i = 0; i < 24; i += 1) {
      const event = buildEvent('StepCompleted');
      const meta = await producer.publish(topic, `run-${i}`, 'StepCompleted', event);
      placed.push({
        partition: meta.partition,
        offset: meta.baseOffset ?? '',
        eventId: event.envelope.eventId,
      });
    }
    await producer.sendRaw(topic, [{ key: 'run-0', value: Buffer.from('not an event') }]);
    const ends = await groupPosition(kafka, uniqueName('nobody'), topic);
    expect(ends.every((p) => Number(p.end) > 3)).toBe(true);

    // The store says offsets 0..2 of every partition are already applied.
    const store = new CheckpointStore();
    for (const { partition } of ends) store.checkpoints.set(partition, '3');
    store.failNext = 1;
    const groupId = uniqueName('projector-test');
    const options = {
      groupId,
      topics: [topic],
      dlqTopic,
      loadCheckpoint: store.load,
      handleBatch: store.handle,
      logger,
      retry: { attempts: 1, initialMs: 20, maxMs: 100 },
    };

    const first = new CheckpointedBatchConsumer(kafka, serde, producer, options);
    await first.start();
    await eventually(
      () => (ends.every((p) => store.checkpoints.get(p.partition) === p.end) ? true : undefined),
      60_000,
    );
    await first.stop();

    const expected = placed.filter((p) => Number(p.offset) >= 3);
    expect(store.applied.map((a) => a.eventId).sort()).toEqual(expected.map((p) => p.eventId).sort());
    expect(store.applied.every((a) => Number(a.offset) >= 3)).toBe(true);
    // The first batch failed once and was handed over again, marked as attempt 2.
    expect(store.batches[0]?.messages[0]?.attempt).toBe(2);

    // The undecodable message reached the handler as such (so the checkpoint moves past it) and the DLQ.
    const undecodable = store.batches.flatMap((b) => b.undecodable);
    expect(undecodable).toHaveLength(1);
    expect(undecodable[0]?.error).toMatch(/no magic byte/);
    const [dead] = await consumeMessages(kafka, dlqTopic, 1);
    if (!dead) throw new Error('no dead letter');
    expect(deadLetterOf(dead.message)).toMatchObject({
      topic,
      offset: undecodable[0]?.offset,
      attempts: 0,
      group: groupId,
    });

    // Kafka's committed offsets follow the checkpoints (for lag dashboards only).
    for (const p of await groupPosition(kafka, groupId, topic)) expect(p.committed).toBe(p.end);

    // A transaction that never committed: the store's checkpoint of one partition is behind Kafka's committed offset.
    const [firstPartition] = ends;
    if (!firstPartition) throw new Error('no partitions');
    const rolledBack = firstPartition.partition;
    store.checkpoints.set(rolledBack, '5');
    const before = store.applied.length;
    const more = buildEvent('StepCompleted');
    const moreMeta = await producer.publish(topic, 'run-0', 'StepCompleted', more);

    const second = new CheckpointedBatchConsumer(kafka, serde, producer, options);
    await second.start();
    const moreEnd = nextOffset(moreMeta.baseOffset ?? '0');
    await eventually(
      () =>
        store.checkpoints.get(moreMeta.partition) === moreEnd &&
        store.checkpoints.get(rolledBack) ===
          (moreMeta.partition === rolledBack ? moreEnd : firstPartition.end)
          ? true
          : undefined,
      60_000,
    );
    await second.stop();

    const reapplied = store.applied.slice(before);
    // Re-read from the store's checkpoint, not from Kafka's committed offset.
    expect(reapplied.filter((a) => a.partition === rolledBack).map((a) => a.offset)[0]).toBe('5');
    expect(reapplied.filter((a) => a.partition === rolledBack).every((a) => Number(a.offset) >= 5)).toBe(
      true,
    );
    expect(reapplied.map((a) => a.eventId)).toContain(more.envelope.eventId);
    // The other partition, if untouched, was not handed over again.
    if (moreMeta.partition === rolledBack)
      expect(reapplied.every((a) => a.partition === rolledBack)).toBe(true);
  });

  it('raw variant: hands over the bytes as they are, from the checkpoint, retrying a failed batch', async () => {
    const rawTopic = uniqueName('test.messaging.checkpointed-raw');
    await ensureTopics(kafka, [{ topic: rawTopic, numPartitions: 1 }]);
    try {
      const values = ['not-an-event-0', 'x1', 'x2', 'x3', 'x4'];
      await producer.sendRaw(
        rawTopic,
        values.map((value) => ({ key: 'k', value })),
      );
      let checkpoint: string | undefined = '2';
      let failures = 1;
      const seen: Array<{ offset: string; value: string; attempt: number }> = [];
      const raw = new RawCheckpointedBatchConsumer(kafka, {
        groupId: uniqueName('raw-group'),
        topics: [rawTopic],
        retry: { attempts: 1, initialMs: 20, maxMs: 50 },
        logger,
        loadCheckpoint: async () => checkpoint,
        handleBatch: async (batch) => {
          if (failures-- > 0) throw new Error('transaction rolled back');
          for (const m of batch.messages)
            seen.push({ offset: m.offset, value: String(m.value), attempt: batch.attempt });
          checkpoint = nextOffset(batch.lastOffset);
        },
      });
      await raw.start();
      await eventually(() => (checkpoint === '5' ? true : undefined));
      await raw.stop();
      expect(seen.map((s) => `${s.offset}=${s.value}`)).toEqual(['2=x2', '3=x3', '4=x4']);
      expect(seen[0]?.attempt).toBe(2);
    } finally {
      await deleteTopics(kafka, [rawTopic]);
    }
  });
});
