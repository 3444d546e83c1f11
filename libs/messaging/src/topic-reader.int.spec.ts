import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKafka, ensureTopics } from './kafka.adapter';
import { readMessages } from './topic-reader';
import { deleteTopics, testStack, uniqueName } from './testing';

const kafka = createKafka({ brokers: [...testStack.kafkaBrokers], clientId: 'messaging-int-reader' });
const topic = uniqueName('test.messaging.reader');
const producer = kafka.producer();

beforeAll(async () => {
  await ensureTopics(kafka, [{ topic, numPartitions: 2 }]);
  await producer.connect();
  for (const partition of [0, 1])
    await producer.send({
      topic,
      messages: Array.from({ length: 6 }, (_, i) => ({
        partition,
        key: `k${partition}`,
        value: `p${partition}-m${i}`,
      })),
    });
});

afterAll(async () => {
  await producer.disconnect();
  await deleteTopics(kafka, [topic]);
});

const values = (records: Awaited<ReturnType<typeof readMessages>>) =>
  records.map((r) => `${r.partition}@${r.offset}=${r.message.value?.toString()}`);

describe('readMessages', () => {
  it('reads the newest messages of every partition', async () => {
    expect(values(await readMessages(kafka, { topic, newest: true, limit: 2 }))).toEqual([
      '0@4=p0-m4',
      '0@5=p0-m5',
      '1@4=p1-m4',
      '1@5=p1-m5',
    ]);
  });

  it('reads one message by partition and offset, and nothing past the end', async () => {
    expect(values(await readMessages(kafka, { topic, partition: 1, fromOffset: '3', limit: 1 }))).toEqual([
      '1@3=p1-m3',
    ]);
    expect(await readMessages(kafka, { topic, partition: 1, fromOffset: '6' })).toEqual([]);
  });

  it('reads from the oldest by default, and removes its throw-away group', async () => {
    const groupId = uniqueName('test-reader-group');
    const all = await readMessages(kafka, { topic, partition: 0, groupId });
    expect(all.map((r) => r.offset)).toEqual(['0', '1', '2', '3', '4', '5']);
    const admin = kafka.admin();
    await admin.connect();
    const { groups } = await admin.listGroups();
    await admin.disconnect();
    expect(groups.map((g) => g.groupId)).not.toContain(groupId);
  });
});
