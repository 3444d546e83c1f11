// Builders and Kafka helpers for tests of code that uses @imageflow/messaging.
import {
  type Envelope,
  type EventOf,
  type EventType,
  type ObjectRef,
  type Capture,
  type StepOutput,
} from '@imageflow/contracts';
import type { Kafka, KafkaMessage } from 'kafkajs';
import { uuidv7 } from 'uuidv7';

/** Where the local stack listens (same variables and defaults as the apps). */
export const testStack = {
  kafkaBrokers: (process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092')
    .split(',')
    .map((b) => b.trim())
    .filter(Boolean),
  schemaRegistryUrl: process.env['SCHEMA_REGISTRY_URL'] ?? 'http://127.0.0.1:8081/apis/ccompat/v7',
} as const;

/** A name no earlier run has used, so tests never see each other's topics, groups or subjects. */
export const uniqueName = (prefix: string): string =>
  `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;

/** A 64-hex image id (SHA-256 shaped), random unless `seed` is given. */
export const imageIdOf = (seed: string = uuidv7()): string =>
  Buffer.from(seed).toString('hex').padEnd(64, '0').slice(0, 64);

export function buildEnvelope<T extends EventType>(type: T, overrides: Partial<Envelope> = {}): Envelope {
  const eventId = overrides.eventId ?? uuidv7();
  return {
    eventId,
    type,
    occurredAt: Date.now(),
    runId: uuidv7(),
    imageId: imageIdOf(),
    pipelineId: 'pipeline-test',
    pipelineVersion: '1',
    causationId: null,
    correlationId: eventId,
    ...overrides,
  };
}

export const buildObjectRef = (overrides: Partial<ObjectRef> = {}): ObjectRef => {
  const sha = overrides.sha256 ?? imageIdOf();
  return {
    bucket: 'raw-images',
    key: `sha256/${sha.slice(0, 2)}/${sha}.png`,
    etag: null,
    size: 1_024,
    contentType: 'image/png',
    sha256: sha,
    width: 64,
    height: 48,
    ...overrides,
  };
};

export const buildCapture = (overrides: Partial<Capture> = {}): Capture => ({
  cameraId: 'camera-test-1',
  lineId: 'line-1',
  lot: 'LOT-TEST',
  serial: 'SN-0001',
  capturedAt: Date.now(),
  source: 'SIMULATOR',
  ...overrides,
});

const imageOutput = (): StepOutput => ({
  port: 'image',
  kind: 'IMAGE',
  object: buildObjectRef({ bucket: 'processed-images' }),
  detections: null,
  text: null,
  measurements: null,
  judgement: null,
});

const timings = { queuedMs: 1, fetchMs: 2, computeMs: 3, storeMs: 4, totalMs: 10 };

type Bodies = { [T in EventType]: () => Omit<EventOf<T>, 'envelope'> };

const BODIES: Bodies = {
  ImageCaptured: () => ({ image: buildObjectRef(), capture: buildCapture(), idempotencyKey: null }),
  RunStarted: () => ({
    image: buildObjectRef(),
    capture: buildCapture(),
    trigger: 'CAPTURE',
    replayId: null,
    definitionJson: '{"nodes":[],"edges":[]}',
  }),
  StepRequested: () => ({
    nodeId: 'resize-1',
    partId: 'resize',
    partVersion: '1',
    stageKind: 'image',
    attempt: 1,
    parametersJson: '{"width":32}',
    inputs: [{ port: 'image', fromNodeId: null, value: { ...imageOutput(), object: buildObjectRef() } }],
    timeoutMs: 30_000,
    deadlineAt: Date.now() + 30_000,
  }),
  StepStarted: () => ({ nodeId: 'resize-1', attempt: 1, workerId: 'worker-test' }),
  StepCompleted: () => ({
    nodeId: 'resize-1',
    partId: 'resize',
    attempt: 1,
    outputs: [imageOutput()],
    timings,
    workerId: 'worker-test',
    modelId: null,
    modelVersion: null,
  }),
  StepFailed: () => ({
    nodeId: 'resize-1',
    partId: 'resize',
    attempt: 1,
    code: 'CORRUPT_IMAGE',
    message: 'the image could not be decoded',
    retryable: false,
    timings: null,
    workerId: 'worker-test',
  }),
  RunCompleted: () => ({ verdict: 'OK', durationMs: 42, skippedNodeIds: [] }),
  RunFailed: () => ({
    failedNodeId: 'resize-1',
    code: 'CORRUPT_IMAGE',
    message: 'the image could not be decoded',
    durationMs: 42,
  }),
  ReplayRequested: () => ({
    replayId: uuidv7(),
    filter: { from: Date.now() - 3_600_000, to: Date.now(), cameraIds: [], lineIds: [], lots: [] },
    targetPipelineId: 'pipeline-test',
    targetVersion: '2',
    baselineVersion: '1',
    requestedBy: 'tester',
  }),
  ReplayProgressed: () => ({ replayId: uuidv7(), matched: 10, started: 5, scanComplete: false }),
  ReplayFinished: () => ({
    replayId: uuidv7(),
    outcome: 'COMPLETED',
    matched: 10,
    started: 10,
    message: null,
  }),
  ReplayCancelRequested: () => ({ replayId: uuidv7(), requestedBy: 'tester' }),
  PipelineVersionCreated: () => ({
    pipelineId: 'pipeline-test',
    version: `sha256:${'0'.repeat(64)}`,
    name: 'test pipeline',
    message: null,
    definitionJson: '{"nodes":[],"edges":[]}',
    stageKindsJson: '{}',
    createdBy: 'tester',
  }),
  PipelineVersionActivated: () => ({
    pipelineId: 'pipeline-test',
    version: `sha256:${'0'.repeat(64)}`,
    activatedBy: 'tester',
  }),
  BindingSet: () => ({ targetKind: 'CAMERA', targetId: 'camera-test-1', pipelineId: 'pipeline-test' }),
  BindingRemoved: () => ({ targetKind: 'CAMERA', targetId: 'camera-test-1' }),
};

export type EventOverrides<T extends EventType> = Partial<Omit<EventOf<T>, 'envelope'>> & {
  envelope?: Partial<Envelope>;
};

/** A valid event of `type` with fresh UUIDv7 ids; `overrides` replace top-level fields, `envelope` is merged. */
export function buildEvent<T extends EventType>(
  type: T,
  overrides: EventOverrides<T> = {} as EventOverrides<T>,
): EventOf<T> {
  const { envelope, ...rest } = overrides;
  return { envelope: buildEnvelope(type, envelope), ...(BODIES[type]() as object), ...rest } as EventOf<T>;
}

export interface ConsumedForTest {
  topic: string;
  partition: number;
  message: KafkaMessage;
}

/**
 * Reads `count` messages of `topic` from the beginning with a throw-away consumer group, then leaves. Fails after
 * `timeoutMs` saying how many arrived. Messages come in partition order (per partition sorted by offset).
 */
export async function consumeMessages(
  kafka: Kafka,
  topic: string,
  count: number,
  opts: { timeoutMs?: number; groupId?: string; filter?: (m: ConsumedForTest) => boolean } = {},
): Promise<ConsumedForTest[]> {
  const consumer = kafka.consumer({
    groupId: opts.groupId ?? uniqueName('test-reader'),
    maxWaitTimeInMs: 200,
  });
  const received: ConsumedForTest[] = [];
  let done!: () => void;
  const all = new Promise<void>((resolve) => (done = resolve));
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ topic: t, partition, message }) => {
        const item = { topic: t, partition, message };
        if (opts.filter && !opts.filter(item)) return;
        received.push(item);
        if (received.length >= count) done();
      },
    });
    let timer: NodeJS.Timeout | undefined;
    const timeoutMs = opts.timeoutMs ?? 30_000;
    await Promise.race([
      all,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new Error(`consumeMessages(${topic}): ${received.length} of ${count} within ${timeoutMs} ms`),
            ),
          timeoutMs,
        );
      }),
    ]).finally(() => clearTimeout(timer));
    return received.slice(0, count);
  } finally {
    await consumer.disconnect();
  }
}

/** Polls `probe` until it returns a value (not undefined), or fails with the last error after `timeoutMs`. */
export async function eventually<T>(
  probe: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 30_000,
  everyMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
  throw new Error(`condition not met within ${timeoutMs} ms${lastError ? `: ${String(lastError)}` : ''}`);
}

/** Deletes test topics, ignoring ones already gone. */
export async function deleteTopics(kafka: Kafka, topics: string[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.deleteTopics({ topics }).catch(() => undefined);
  } finally {
    await admin.disconnect();
  }
}

/** The committed offset of `groupId` on every partition of `topic`, and the partition's end offset. */
export async function groupPosition(
  kafka: Kafka,
  groupId: string,
  topic: string,
): Promise<Array<{ partition: number; committed: string; end: string }>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
    const ends = await admin.fetchTopicOffsets(topic);
    return ends
      .map(({ partition, offset }) => ({
        partition,
        committed: offsets?.partitions.find((p) => p.partition === partition)?.offset ?? '-1',
        end: offset,
      }))
      .sort((a, b) => a.partition - b.partition);
  } finally {
    await admin.disconnect();
  }
}
