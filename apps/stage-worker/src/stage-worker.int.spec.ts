// The stage worker against the real stack and a real compute-image process: Kafka work items in, result events
// and objects out. compute-image is the built app (nx run compute-image:build), started as a child process.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';
import { BUCKETS, stageTopic, type EventOf } from '@imageflow/contracts';
import {
  createKafka,
  ensureTopics,
  EventProducer,
  EventSerde,
  type DecodedEvent,
} from '@imageflow/messaging';
import { buildEvent, deleteTopics, eventually, testStack, uniqueName } from '@imageflow/messaging/testing';
import { createLogger } from '@imageflow/observability';
import { ObjectStore, objectStoreConfigFromEnv, rawImageKey, sha256Hex } from '@imageflow/storage';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadStageWorkerConfig } from './config';
import { startWorker, type RunningWorker } from './worker';

const root = join(__dirname, '..', '..', '..');
const computeMain = join(root, 'dist/apps/compute-image/apps/compute-image/src/main.js');

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function startComputeImage(port: number): Promise<ChildProcess> {
  if (!existsSync(computeMain)) throw new Error(`build compute-image first: ${computeMain} is missing`);
  const child = spawn(process.execPath, [computeMain], {
    env: {
      ...process.env,
      COMPUTE_IMAGE_PORT: String(port),
      COMPUTE_IMAGE_METRICS_PORT: '0',
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  await eventually(
    () =>
      new Promise<true | undefined>((resolve) => {
        const socket = connect(port, '127.0.0.1');
        socket.once('connect', () => (socket.destroy(), resolve(true)));
        socket.once('error', () => resolve(undefined));
      }),
    20_000,
    100,
  );
  return child;
}

describe('stage worker (real Kafka, S3, registry and compute-image)', () => {
  const kind = uniqueName('t')
    .replace(/[^a-z0-9-]/g, '')
    .slice(0, 30);
  const topics = {
    stage: stageTopic(kind),
    runEvents: uniqueName('test.run-events'),
    dlq: uniqueName('test.dlq'),
  };
  const kafka = createKafka({ brokers: testStack.kafkaBrokers, clientId: 'stage-worker-test' });
  const serde = new EventSerde({ registryUrl: testStack.schemaRegistryUrl });
  const producer = new EventProducer(kafka, serde);
  const store = new ObjectStore(
    objectStoreConfigFromEnv(loadStageWorkerConfig({ ...process.env, STAGE_KIND: 'image' })),
  );
  const events: DecodedEvent[] = [];
  const consumer = kafka.consumer({ groupId: uniqueName('stage-worker-test-reader'), maxWaitTimeInMs: 100 });
  const children: ChildProcess[] = [];
  const workers: RunningWorker[] = [];
  let computePort = 0;

  const workerFor = async (overrides: Record<string, string>) => {
    const config = loadStageWorkerConfig({
      ...process.env,
      STAGE_KIND: kind,
      RUN_EVENTS_TOPIC: topics.runEvents,
      DLQ_TOPIC: topics.dlq,
      METRICS_PORT: '0',
      COMPUTE_DEADLINE_MS: '20000',
      ...overrides,
    });
    const worker = await startWorker(config, createLogger('stage-worker-test', 'warn'));
    workers.push(worker);
    return worker;
  };

  const putImage = async (bytes: Buffer, contentType = 'image/jpeg') => {
    const id = sha256Hex(bytes);
    const stored = await store.putImmutable(
      { bucket: BUCKETS.rawImages, key: rawImageKey(id, 'jpg') },
      bytes,
      { contentType },
    );
    return {
      bucket: stored.bucket,
      key: stored.key,
      etag: stored.etag,
      size: stored.size,
      contentType,
      sha256: id,
      width: 1920,
      height: 1080,
    };
  };

  const workItem = (
    runId: string,
    object: Awaited<ReturnType<typeof putImage>>,
    parameters: object = { width: 640 },
  ) =>
    buildEvent('StepRequested', {
      envelope: { runId, imageId: object.sha256 },
      nodeId: 'resize',
      partId: 'pre.resize',
      partVersion: '',
      stageKind: kind,
      attempt: 1,
      parametersJson: JSON.stringify(parameters),
      inputs: [
        {
          port: 'image',
          fromNodeId: null,
          value: {
            port: 'image',
            kind: 'IMAGE',
            object,
            detections: null,
            text: null,
            measurements: null,
            judgement: null,
          },
        },
      ],
      timeoutMs: 30_000,
      deadlineAt: Date.now() + 60_000,
    });

  const resultOf = (runId: string, type: 'StepCompleted' | 'StepFailed') =>
    eventually(() => events.find((e) => e.type === type && e.event.envelope.runId === runId), 45_000, 100);

  beforeAll(async () => {
    await store.ensureBuckets();
    await ensureTopics(kafka, [
      { topic: topics.stage, numPartitions: 2 },
      { topic: topics.runEvents },
      { topic: topics.dlq },
    ]);
    await producer.connect();
    await consumer.connect();
    await consumer.subscribe({ topic: topics.runEvents, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => void events.push(await serde.decode(message.value as Buffer)),
    });
    computePort = await freePort();
    children.push(await startComputeImage(computePort));
    await workerFor({ COMPUTE_ADDRESS: `127.0.0.1:${computePort}` });
  });

  afterAll(async () => {
    for (const worker of workers) await worker.stop();
    for (const child of children) child.kill('SIGTERM');
    await consumer.disconnect();
    await producer.disconnect();
    await deleteTopics(kafka, Object.values(topics));
  });

  it('resizes a real 1920×1080 JPEG to 640 wide, stores it, and appends StepStarted then StepCompleted with timings', async () => {
    const jpeg = await sharp({
      create: { width: 1920, height: 1080, channels: 3, background: { r: 200, g: 30, b: 60 } },
    })
      .jpeg({ quality: 90 })
      .toBuffer();
    const runId = uniqueName('run');
    await producer.publish(topics.stage, runId, 'StepRequested', workItem(runId, await putImage(jpeg)));

    const completed = (await resultOf(runId, 'StepCompleted')).event as EventOf<'StepCompleted'>;
    expect(events.some((e) => e.type === 'StepStarted' && e.event.envelope.runId === runId)).toBe(true);
    const output = completed.outputs[0];
    expect(output).toMatchObject({
      port: 'image',
      kind: 'IMAGE',
      object: { bucket: 'processed-images', width: 640, height: 360 },
    });
    expect(output?.object?.key).toBe(`runs/${runId}/nodes/resize/image.jpg`);
    expect(completed.timings.computeMs).toBeGreaterThan(0);
    expect(completed.timings.totalMs).toBeGreaterThanOrEqual(completed.timings.computeMs);
    const stored = await store.get({ bucket: 'processed-images', key: output!.object!.key });
    expect(await sharp(stored).metadata()).toMatchObject({ width: 640, height: 360, format: 'jpeg' });
  });

  it('a redelivered work item emits the same result again, not a second one', async () => {
    const png = await sharp({ create: { width: 1920, height: 1080, channels: 3, background: '#123456' } })
      .png()
      .toBuffer();
    const runId = uniqueName('run');
    const item = workItem(runId, await putImage(png, 'image/png'));
    await producer.publish(topics.stage, runId, 'StepRequested', item);
    const first = await resultOf(runId, 'StepCompleted');
    await producer.publish(topics.stage, runId, 'StepRequested', item);
    const both = await eventually(() => {
      const found = events.filter((e) => e.type === 'StepCompleted' && e.event.envelope.runId === runId);
      return found.length >= 2 ? found : undefined;
    });
    expect(new Set(both.map((e) => e.event.envelope.eventId))).toEqual(
      new Set([first.event.envelope.eventId]),
    );
  });

  it('fails a corrupt image with a readable reason, not retryable, and keeps consuming', async () => {
    const runId = uniqueName('run');
    await producer.publish(
      topics.stage,
      runId,
      'StepRequested',
      workItem(runId, await putImage(Buffer.from('this is not a jpeg at all'))),
    );
    const failed = (await resultOf(runId, 'StepFailed')).event as EventOf<'StepFailed'>;
    expect(failed.retryable).toBe(false);
    expect(failed.code).not.toBe('WORKER_ERROR');
    expect(failed.message.length).toBeGreaterThan(10);

    const next = uniqueName('run');
    const jpeg = await sharp({ create: { width: 800, height: 600, channels: 3, background: '#fff' } })
      .jpeg()
      .toBuffer();
    await producer.publish(topics.stage, next, 'StepRequested', workItem(next, await putImage(jpeg)));
    expect((await resultOf(next, 'StepCompleted')).type).toBe('StepCompleted');
  });

  it('retries while compute is down, then fails the step as retryable; works again once compute is back', async () => {
    const deadPort = await freePort();
    const otherKind = `${kind.slice(0, 30)}-b`;
    const otherTopic = stageTopic(otherKind);
    await ensureTopics(kafka, [{ topic: otherTopic }]);
    await workerFor({
      STAGE_KIND: otherKind,
      COMPUTE_ADDRESS: `127.0.0.1:${deadPort}`,
      COMPUTE_ATTEMPTS: '5',
      COMPUTE_BACKOFF_MS: '200',
      COMPUTE_DEADLINE_MS: '2000',
    });
    const jpeg = await sharp({ create: { width: 320, height: 240, channels: 3, background: '#0f0' } })
      .jpeg()
      .toBuffer();
    const object = await putImage(jpeg);
    const runId = uniqueName('run');
    await producer.publish(otherTopic, runId, 'StepRequested', {
      ...workItem(runId, object),
      stageKind: otherKind,
    });
    const failed = (await resultOf(runId, 'StepFailed')).event as EventOf<'StepFailed'>;
    expect(failed).toMatchObject({
      retryable: true,
      code: expect.stringMatching(/COMPUTE_UNAVAILABLE|TIMEOUT/),
    });
    expect(failed.message).toContain('after 5 tries');

    children.push(await startComputeImage(deadPort));
    const again = uniqueName('run');
    await producer.publish(otherTopic, again, 'StepRequested', {
      ...workItem(again, object),
      stageKind: otherKind,
    });
    expect((await resultOf(again, 'StepCompleted')).type).toBe('StepCompleted');
    await deleteTopics(kafka, [otherTopic]);
  });
});
