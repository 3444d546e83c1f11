// ConsumerRunner against the local stack's Kafka and schema registry.
import { HEADERS } from '@imageflow/contracts';
import { createLogger, createMetricsRegistry, type Registry } from '@imageflow/observability';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ConsumerRunner, type ConsumedMessage, type ConsumerRunnerOptions } from './consumer-runner';
import { deadLetterOf, redriveMessage, REDRIVE_COUNT_HEADER } from './dead-letter';
import { EventProducer } from './event-producer';
import { EventSerde } from './event-serde';
import { headersToRecord } from './headers';
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
const kafka = createKafka({ brokers: [...testStack.kafkaBrokers], clientId: 'messaging-int', logger });
const serde = new EventSerde({ registryUrl: testStack.schemaRegistryUrl });
const producer = new EventProducer(kafka, serde, { logger });
const topics: string[] = [];
const runners: ConsumerRunner[] = [];

async function newTopic(prefix: string, numPartitions: number): Promise<string> {
  const topic = uniqueName(`test.messaging.${prefix}`);
  topics.push(topic);
  await ensureTopics(kafka, [{ topic, numPartitions }]);
  return topic;
}

function runner(opts: Omit<ConsumerRunnerOptions, 'logger'>): ConsumerRunner {
  const created = new ConsumerRunner(kafka, serde, producer, { logger, fromBeginning: true, ...opts });
  runners.push(created);
  return created;
}

function must<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`missing ${what}`);
  return value;
}

async function metricValue(
  registry: Registry,
  name: string,
  labels: Record<string, string>,
): Promise<number> {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === name);
  const values =
    (metric as { values?: Array<{ value: number; labels: Record<string, string | number> }> } | undefined)
      ?.values ?? [];
  return (
    values.find((v) => Object.entries(labels).every(([k, want]) => String(v.labels[k]) === want))?.value ?? 0
  );
}

beforeAll(async () => {
  await producer.connect();
});

afterAll(async () => {
  await Promise.all(runners.map((r) => r.stop().catch(() => undefined)));
  await producer.disconnect();
  await deleteTopics(kafka, topics);
});

describe('ConsumerRunner', () => {
  it('retries, dead-letters what keeps failing or does not decode, keeps consuming, and re-drives', async () => {
    const topic = await newTopic('runner', 3);
    const dlqTopic = await newTopic('dlq', 1);
    const metrics = createMetricsRegistry('messaging-int');

    const flaky = buildEvent('StepRequested');
    const poison = buildEvent('StepRequested');
    const afterPoison = buildEvent('StepRequested');
    const afterGarbage = buildEvent('StepRequested');
    const calls = new Map<string, number[]>();
    const processed: ConsumedMessage[] = [];

    runner({
      groupId: uniqueName('runner-group'),
      topics: [topic],
      dlqTopic,
      metrics,
      retry: { attempts: 3, initialMs: 20, maxMs: 100 },
      handler: async (msg) => {
        const id = msg.decoded.event.envelope.eventId;
        calls.set(id, [...(calls.get(id) ?? []), msg.attempt]);
        if (id === flaky.envelope.eventId && msg.attempt < 3) throw new Error(`flaky failure ${msg.attempt}`);
        if (id === poison.envelope.eventId && !msg.headers[REDRIVE_COUNT_HEADER])
          throw new Error('poison: the part is broken');
        processed.push(msg);
      },
    });
    await runners.at(-1)?.start();

    // Same key for the poison message and the next one: the runner must move past the poison message.
    await producer.publish(topic, 'run-a', 'StepRequested', flaky);
    await producer.publish(topic, 'run-b', 'StepRequested', poison);
    await producer.publish(topic, 'run-b', 'StepRequested', afterPoison);
    const garbage = Buffer.from('{"this is":"json, not avro"}');
    await producer.sendRaw(topic, [{ key: 'run-c', value: garbage, headers: { 'x-origin': 'test' } }]);
    await producer.publish(topic, 'run-c', 'StepRequested', afterGarbage);

    const ids = (list: ConsumedMessage[]) => list.map((m) => m.decoded.event.envelope.eventId);
    await eventually(() =>
      ids(processed).includes(afterPoison.envelope.eventId) &&
      ids(processed).includes(afterGarbage.envelope.eventId) &&
      ids(processed).includes(flaky.envelope.eventId)
        ? true
        : undefined,
    );

    // Failed twice, then succeeded: handled once, on attempt 3.
    expect(calls.get(flaky.envelope.eventId)).toEqual([1, 2, 3]);
    expect(
      processed
        .filter((m) => m.decoded.event.envelope.eventId === flaky.envelope.eventId)
        .map((m) => m.attempt),
    ).toEqual([3]);
    expect(calls.get(poison.envelope.eventId)).toEqual([1, 2, 3]);

    const dead = await consumeMessages(kafka, dlqTopic, 2);
    const poisonDead = must(
      dead.find((d) => d.message.key?.toString() === 'run-b'),
      'poison dead letter',
    );
    const garbageDead = must(
      dead.find((d) => d.message.key?.toString() === 'run-c'),
      'garbage dead letter',
    );

    const poisonInfo = deadLetterOf(poisonDead.message);
    expect(poisonInfo).toMatchObject({
      error: 'poison: the part is broken',
      attempts: 3,
      topic,
      redriveCount: 0,
    });
    expect(poisonInfo.originalHeaders[HEADERS.eventId]).toBe(poison.envelope.eventId);
    expect(poisonInfo.originalHeaders[HEADERS.traceparent]).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect((await serde.decode(poisonDead.message.value as Buffer)).event).toEqual(poison);

    const garbageInfo = deadLetterOf(garbageDead.message);
    expect(garbageInfo.error).toMatch(/NOT_WIRE_FORMAT.*no magic byte/);
    expect(garbageInfo.attempts).toBe(0);
    expect(garbageInfo.originalHeaders).toEqual({ 'x-origin': 'test' });
    expect(garbageDead.message.value).toEqual(garbage);

    // Re-drive: back on the original topic with the original bytes, and handled this time.
    const { topic: back, message } = redriveMessage(poisonDead.message);
    expect(back).toBe(topic);
    await producer.sendRaw(back, [message]);
    const redriven = await eventually(() =>
      processed.find((m) => m.decoded.event.envelope.eventId === poison.envelope.eventId),
    );
    expect(redriven.headers[REDRIVE_COUNT_HEADER]).toBe('1');
    expect(redriven.key).toBe('run-b');
    await eventually(async () =>
      (await metricValue(metrics, 'kafka_consumergroup_lag', { topic })) === 0 ? true : undefined,
    );

    expect(await metricValue(metrics, 'imageflow_kafka_retried_total', { topic })).toBe(4);
    expect(await metricValue(metrics, 'imageflow_kafka_dead_lettered_total', { topic })).toBe(2);
    // flaky, poison (dead-lettered), afterPoison, garbage (dead-lettered), afterGarbage, poison re-driven.
    expect(await metricValue(metrics, 'imageflow_kafka_consumed_total', { topic })).toBe(6);
  });

  it('keeps order per key while partitions run concurrently, pausing fetches over the in-flight limit', async () => {
    const topic = await newTopic('order', 3);
    const keys = Array.from({ length: 6 }, (_, i) => `camera-${i}`);
    const perKey = 25;
    await producer.publishMany(
      Array.from({ length: perKey }, (_, seq) =>
        keys.map((key) => ({
          topic,
          key,
          type: 'ImageCaptured' as const,
          event: buildEvent('ImageCaptured', {
            capture: { ...buildEvent('ImageCaptured').capture, cameraId: key, serial: String(seq) },
          }),
        })),
      ).flat(),
    );

    const seen = new Map<string, number[]>();
    const activePartitions = new Set<number>();
    let maxActivePartitions = 0;
    let sawPaused = false;
    const metrics = createMetricsRegistry('messaging-int');
    const ordered = runner({
      groupId: uniqueName('order-group'),
      topics: [topic],
      partitionsConcurrently: 3,
      maxInFlight: 10,
      metrics,
      handler: async ({ decoded, partition }) => {
        if (decoded.type !== 'ImageCaptured') throw new Error(`unexpected ${decoded.type}`);
        activePartitions.add(partition);
        maxActivePartitions = Math.max(maxActivePartitions, activePartitions.size);
        sawPaused ||= ordered.isPaused;
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 4));
        const { cameraId, serial } = decoded.event.capture;
        seen.set(cameraId, [...(seen.get(cameraId) ?? []), Number(serial)]);
        activePartitions.delete(partition);
      },
    });
    await ordered.start();
    await eventually(
      () =>
        [...seen.values()].reduce((n, list) => n + list.length, 0) >= keys.length * perKey ? true : undefined,
      60_000,
    );

    for (const key of keys) expect(seen.get(key), key).toEqual(Array.from({ length: perKey }, (_, i) => i));
    expect(maxActivePartitions).toBeGreaterThan(1);
    expect(maxActivePartitions).toBeLessThanOrEqual(3);
    expect(sawPaused).toBe(true);
    expect(await metricValue(metrics, 'imageflow_kafka_paused', {})).toBe(0);
    await eventually(() => (ordered.inFlightCount === 0 && !ordered.isPaused ? true : undefined));
  });

  it('stops gracefully: a new runner in the same group handles the rest, nothing twice, nothing lost', async () => {
    const topic = await newTopic('stop', 2);
    const groupId = uniqueName('stop-group');
    const events = Array.from({ length: 40 }, () => buildEvent('RunCompleted'));
    await producer.publishMany(
      events.map((event, i) => ({ topic, key: `run-${i % 5}`, type: 'RunCompleted' as const, event })),
    );

    const handled: string[] = [];
    const slowHandler = async ({ decoded }: ConsumedMessage) => {
      await new Promise((resolve) => setTimeout(resolve, 25));
      handled.push(decoded.event.envelope.eventId);
    };
    const first = runner({ groupId, topics: [topic], partitionsConcurrently: 2, handler: slowHandler });
    await first.start();
    await eventually(() => (handled.length >= 12 ? true : undefined));
    await first.stop();
    const byFirst = handled.length;
    expect(byFirst).toBeLessThan(events.length);

    // Committed exactly up to what was handled.
    const committed = (await groupPosition(kafka, groupId, topic)).reduce(
      (n, p) => n + Math.max(0, Number(p.committed)),
      0,
    );
    expect(committed).toBe(byFirst);

    const second = runner({ groupId, topics: [topic], handler: slowHandler });
    await second.start();
    await eventually(() => (handled.length >= events.length ? true : undefined), 60_000);
    await second.stop();

    expect(handled).toHaveLength(events.length);
    expect(new Set(handled)).toEqual(new Set(events.map((e) => e.envelope.eventId)));
    // Every partition that has messages is committed to its end.
    for (const { committed: c, end } of await groupPosition(kafka, groupId, topic))
      if (end !== '0') expect(c).toBe(end);
  });
});

describe('ConsumerRunner signal handling', () => {
  it('on SIGTERM finishes the message in hand, commits, leaves the group and exits 0', async () => {
    const topic = await newTopic('sigterm', 1);
    const groupId = uniqueName('sigterm-group');
    const events = Array.from({ length: 30 }, () => buildEvent('StepStarted'));
    await producer.publishMany(
      events.map((event) => ({ topic, key: 'run-s', type: 'StepStarted' as const, event })),
    );

    const handled: string[] = [];
    let inHandler = false;
    const sigterm = runner({
      groupId,
      topics: [topic],
      handler: async ({ decoded }) => {
        inHandler = true;
        await new Promise((resolve) => setTimeout(resolve, 30));
        handled.push(decoded.event.envelope.eventId);
        inHandler = false;
      },
    });
    await sigterm.start();

    // Only our handler sees the signal (the test worker's own listeners are set aside), and exit is observed, not done.
    const others = { SIGTERM: process.listeners('SIGTERM'), SIGINT: process.listeners('SIGINT') };
    process.removeAllListeners('SIGTERM');
    process.removeAllListeners('SIGINT');
    const exits: Array<string | number | null | undefined> = [];
    const exit = vi.spyOn(process, 'exit').mockImplementation(((code?: string | number | null) => {
      exits.push(code);
    }) as typeof process.exit);
    try {
      sigterm.installSignalHandlers();
      await eventually(() => (handled.length >= 5 && inHandler ? true : undefined));
      process.emit('SIGTERM', 'SIGTERM');
      await eventually(() => (exits.length > 0 ? true : undefined));
    } finally {
      exit.mockRestore();
      process.removeAllListeners('SIGTERM');
      process.removeAllListeners('SIGINT');
      for (const listener of others.SIGTERM) process.on('SIGTERM', listener);
      for (const listener of others.SIGINT) process.on('SIGINT', listener);
    }
    expect(exits).toEqual([0]);
    expect(inHandler).toBe(false);
    const [position] = await groupPosition(kafka, groupId, topic);
    expect(position?.committed).toBe(String(handled.length));
    expect(handled.length).toBeLessThan(events.length);
  });
});

describe('EventProducer', () => {
  it('puts the envelope ids and a traceparent on every message, keyed as asked', async () => {
    const topic = await newTopic('headers', 1);
    const metrics = createMetricsRegistry('messaging-int');
    const counted = new EventProducer(kafka, serde, { metrics });
    const event = buildEvent('StepCompleted', { envelope: { causationId: 'cause-1' } });
    const metadata = await counted.publish(topic, 'run-h', 'StepCompleted', event, { 'x-extra': '1' });
    await counted.disconnect();
    expect(metadata.topicName).toBe(topic);
    expect(await metricValue(metrics, 'imageflow_kafka_produced_total', { topic })).toBe(1);
    const [read] = await consumeMessages(kafka, topic, 1);
    const headers = headersToRecord(read?.message.headers);
    expect(read?.message.key?.toString()).toBe('run-h');
    expect(headers).toMatchObject({
      [HEADERS.eventId]: event.envelope.eventId,
      [HEADERS.eventType]: 'StepCompleted',
      [HEADERS.runId]: event.envelope.runId,
      [HEADERS.imageId]: event.envelope.imageId,
      [HEADERS.correlationId]: event.envelope.correlationId,
      [HEADERS.causationId]: 'cause-1',
      'x-extra': '1',
    });
    expect(headers[HEADERS.traceparent]).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect((await serde.decode(read?.message.value as Buffer)).event).toEqual(event);
  });

  it('refuses an invalid event before sending anything', async () => {
    const topic = await newTopic('invalid', 1);
    const good = buildEvent('RunFailed');
    const bad = { ...buildEvent('RunFailed'), message: undefined } as unknown as typeof good;
    await expect(
      producer.publishMany([
        { topic, key: 'k', type: 'RunFailed', event: good },
        { topic, key: 'k', type: 'RunFailed', event: bad },
      ]),
    ).rejects.toThrow(/invalid RunFailed: message/);
    const [end] = (await groupPosition(kafka, uniqueName('nobody'), topic)).map((p) => p.end);
    expect(end).toBe('0');
  });
});
