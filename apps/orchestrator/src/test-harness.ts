// Test harness for the orchestrator's integration tests (not shipped: excluded from the build). It plays the
// parts around the orchestrator against the real Kafka and registry: the gateway (configuration events and
// captures) and a fake stage worker that answers work items with outputs of the part's port kinds.
import type { EventOf, EventType, StepOutput } from '@imageflow/contracts';
import {
  createKafka,
  ensureTopics,
  EventProducer,
  EventSerde,
  type DecodedEvent,
  type Kafka,
} from '@imageflow/messaging';
import { versionIdOf, type PipelineDefinition } from '@imageflow/pipeline';
import { testCatalogParts } from '@imageflow/pipeline/testing';
import { uuidv7 } from 'uuidv7';
import { stableEventId } from '@imageflow/messaging';

export const testBrokers = (process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092').split(',').map((b) => b.trim());
export const testRegistry = process.env['SCHEMA_REGISTRY_URL'] ?? 'http://127.0.0.1:8081/apis/ccompat/v7';

export const uniqueName = (prefix: string): string =>
  `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;

export async function eventually<T>(
  probe: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 30_000,
  everyMs = 50,
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

export type Outcome = 'ok' | 'retryable' | 'fatal' | 'ignore';
export interface StepRequestSeen {
  event: EventOf<'StepRequested'>;
  topic: string;
  receivedAt: number;
}
export interface LogEntry {
  decoded: DecodedEvent;
  receivedAt: number;
}

const outputsOf = (partId: string): StepOutput[] => {
  const part = testCatalogParts.find((p) => p.id === partId);
  if (!part) throw new Error(`test catalog has no part ${partId}`);
  return part.outputs.map((o) => ({
    port: o.name,
    kind: o.kind,
    object:
      o.kind === 'IMAGE' || o.kind === 'MASK'
        ? {
            bucket: 'processed-images',
            key: `test/${o.name}.png`,
            etag: null,
            size: 10,
            contentType: 'image/png',
            sha256: null,
            width: 8,
            height: 8,
          }
        : null,
    detections:
      o.kind === 'DETECTIONS'
        ? [{ label: 'box', score: 0.9, x: 1, y: 1, width: 2, height: 2, text: null, classId: null }]
        : null,
    text: o.kind === 'TEXT' ? 'ABC' : null,
    measurements: o.kind === 'MEASUREMENTS' ? [] : null,
    judgement: o.kind === 'JUDGEMENT' ? { verdict: 'OK', reasons: [] } : null,
  }));
};

export const stageKindsOf = (definition: PipelineDefinition): Record<string, string> =>
  Object.fromEntries(
    definition.nodes.map((n) => [
      n.id,
      testCatalogParts.find((p) => p.id === n.part.id)?.stageKind ?? 'image',
    ]),
  );

/** A capture as the gateway publishes it (fresh ids, taken now). */
export function buildCapture(
  cameraId: string,
  lineId: string | null = null,
  capturedAt = Date.now(),
): EventOf<'ImageCaptured'> {
  const eventId = uuidv7();
  const sha = Buffer.from(eventId).toString('hex').padEnd(64, '0').slice(0, 64);
  return {
    envelope: {
      eventId,
      type: 'ImageCaptured',
      occurredAt: capturedAt,
      runId: null,
      imageId: sha,
      pipelineId: null,
      pipelineVersion: null,
      causationId: null,
      correlationId: eventId,
    },
    image: {
      bucket: 'raw-images',
      key: `sha256/${sha}.png`,
      etag: null,
      size: 100,
      contentType: 'image/png',
      sha256: sha,
      width: 64,
      height: 48,
    },
    capture: { cameraId, lineId, lot: 'LOT-1', serial: 'SN-1', capturedAt, source: 'SIMULATOR' },
    idempotencyKey: null,
  };
}

export class OrchestratorHarness {
  readonly prefix = uniqueName('test-orch');
  readonly topics = {
    pipelines: `${this.prefix}.pipelines`,
    images: `${this.prefix}.images`,
    runEvents: `${this.prefix}.run-events`,
    dlq: `${this.prefix}.dlq`,
    stageTemplate: `${this.prefix}.stage.{kind}`,
  };
  readonly stageTopics = ['image', 'ai'].map((kind) => this.topics.stageTemplate.replace('{kind}', kind));
  readonly kafka: Kafka = createKafka({ brokers: testBrokers, clientId: 'orchestrator-test' });
  readonly serde = new EventSerde({ registryUrl: testRegistry });
  readonly producer = new EventProducer(this.kafka, this.serde);
  /** Everything on the run-events log, in arrival order. */
  readonly log: LogEntry[] = [];
  /** Work items as the fake stage worker received them. */
  readonly workItems: StepRequestSeen[] = [];
  /** Decides each work item's fate, by pipeline; default: complete it. */
  readonly behaviour = new Map<string, (item: EventOf<'StepRequested'>) => Outcome>();
  /** Delay before the fake worker answers. */
  answerDelayMs = 0;
  private readonly answered = new Set<string>();
  private readonly consumers: ReturnType<Kafka['consumer']>[] = [];
  /** Consumer groups to delete at the end (the harness's own and the orchestrators' it configured). */
  private readonly groups: string[] = [];

  /** Environment for an orchestrator pointed at this harness's topics. */
  env(groupId: string): Record<string, string> {
    this.groups.push(`${groupId}.images`, `${groupId}.runs`);
    return {
      ORCHESTRATOR_GROUP_ID: groupId,
      PIPELINES_TOPIC: this.topics.pipelines,
      IMAGES_TOPIC: this.topics.images,
      RUN_EVENTS_TOPIC: this.topics.runEvents,
      DLQ_TOPIC: this.topics.dlq,
      STAGE_TOPIC_TEMPLATE: this.topics.stageTemplate,
      TOPIC_PARTITIONS: '3',
      METRICS_PORT: '0',
      LOG_LEVEL: process.env['ORCHESTRATOR_TEST_LOG'] ? 'debug' : 'warn',
    };
  }

  async start(): Promise<void> {
    await ensureTopics(this.kafka, [
      { topic: this.topics.pipelines },
      { topic: this.topics.images },
      { topic: this.topics.runEvents },
      { topic: this.topics.dlq, numPartitions: 1 },
      ...this.stageTopics.map((topic) => ({ topic })),
    ]);
    await this.producer.connect();
    const logGroup = uniqueName('orch-test-log');
    const workerGroup = uniqueName('orch-test-worker');
    this.groups.push(logGroup, workerGroup);
    const log = this.kafka.consumer({ groupId: logGroup, maxWaitTimeInMs: 50 });
    await log.connect();
    await log.subscribe({ topic: this.topics.runEvents, fromBeginning: true });
    await log.run({
      eachMessage: async ({ message }) =>
        void this.log.push({
          decoded: await this.serde.decode(message.value as Buffer),
          receivedAt: Date.now(),
        }),
    });
    const worker = this.kafka.consumer({ groupId: workerGroup, maxWaitTimeInMs: 50 });
    await worker.connect();
    await worker.subscribe({ topics: this.stageTopics, fromBeginning: true });
    await worker.run({
      partitionsConsumedConcurrently: 3,
      eachMessage: async ({ topic, message }) => {
        const decoded = await this.serde.decode(message.value as Buffer);
        if (decoded.type !== 'StepRequested') return;
        this.workItems.push({ event: decoded.event, topic, receivedAt: Date.now() });
        this.answer(decoded.event);
      },
    });
    this.consumers.push(log, worker);
  }

  private answer(item: EventOf<'StepRequested'>): void {
    const runId = item.envelope.runId ?? '';
    const outcome = this.behaviour.get(item.envelope.pipelineId ?? '')?.(item) ?? 'ok';
    if (outcome === 'ignore') return;
    const envelope = (type: string, eventId: string) => ({
      ...item.envelope,
      type,
      eventId,
      occurredAt: Date.now(),
      causationId: item.envelope.eventId,
    });
    const send = async () => {
      if (outcome === 'ok') {
        // Like the real worker: the result's id depends on run and node only, so a repeated item gives the same result.
        const eventId = stableEventId(runId, item.nodeId, 'result');
        await this.producer.publish(this.topics.runEvents, runId, 'StepCompleted', {
          envelope: envelope('StepCompleted', eventId),
          nodeId: item.nodeId,
          partId: item.partId,
          attempt: item.attempt,
          outputs: outputsOf(item.partId),
          timings: { queuedMs: 0, fetchMs: 0, computeMs: 1, storeMs: 0, totalMs: 1 },
          workerId: 'fake-worker',
          modelId: null,
          modelVersion: null,
        });
      } else {
        const eventId = stableEventId(runId, item.nodeId, String(item.attempt), 'failed');
        await this.producer.publish(this.topics.runEvents, runId, 'StepFailed', {
          envelope: envelope('StepFailed', eventId),
          nodeId: item.nodeId,
          partId: item.partId,
          attempt: item.attempt,
          code: outcome === 'retryable' ? 'COMPUTE_UNAVAILABLE' : 'CORRUPT_IMAGE',
          message: `fake worker: ${outcome}`,
          retryable: outcome === 'retryable',
          timings: null,
          workerId: 'fake-worker',
        });
      }
    };
    this.answered.add(item.envelope.eventId);
    setTimeout(
      () => void send().catch((error: unknown) => process.stderr.write(`fake worker: ${String(error)}\n`)),
      this.answerDelayMs,
    );
  }

  /** Publishes a version, activates it and binds the camera (or line) to the pipeline, as the gateway will. */
  async publishPipeline(args: {
    pipelineId: string;
    definition: PipelineDefinition;
    cameraId?: string;
    lineId?: string;
  }): Promise<string> {
    const { pipelineId, definition } = args;
    const version = versionIdOf(definition);
    const env = (type: string) => ({
      eventId: uuidv7(),
      type,
      occurredAt: Date.now(),
      runId: null,
      imageId: null,
      pipelineId,
      pipelineVersion: version,
      causationId: null,
      correlationId: null,
    });
    await this.producer.publish(this.topics.pipelines, pipelineId, 'PipelineVersionCreated', {
      envelope: env('PipelineVersionCreated'),
      pipelineId,
      version,
      name: `test ${pipelineId}`,
      message: null,
      definitionJson: JSON.stringify(definition),
      stageKindsJson: JSON.stringify(stageKindsOf(definition)),
      createdBy: 'tester',
    });
    await this.producer.publish(this.topics.pipelines, pipelineId, 'PipelineVersionActivated', {
      envelope: env('PipelineVersionActivated'),
      pipelineId,
      version,
      activatedBy: 'tester',
    });
    if (args.cameraId)
      await this.producer.publish(this.topics.pipelines, `camera:${args.cameraId}`, 'BindingSet', {
        envelope: env('BindingSet'),
        targetKind: 'CAMERA',
        targetId: args.cameraId,
        pipelineId,
      });
    if (args.lineId)
      await this.producer.publish(this.topics.pipelines, `line:${args.lineId}`, 'BindingSet', {
        envelope: env('BindingSet'),
        targetKind: 'LINE',
        targetId: args.lineId,
        pipelineId,
      });
    return version;
  }

  captureEvent(cameraId: string, lineId: string | null = null): EventOf<'ImageCaptured'> {
    return buildCapture(cameraId, lineId);
  }

  async publishCapture(event: EventOf<'ImageCaptured'>): Promise<void> {
    await this.producer.publish(this.topics.images, event.capture.cameraId, 'ImageCaptured', event);
  }

  events<T extends EventType>(type: T, runId?: string): EventOf<T>[] {
    return this.log
      .map((e) => e.decoded)
      .filter((d) => d.type === type && (runId === undefined || d.event.envelope.runId === runId))
      .map((d) => d.event as EventOf<T>);
  }

  runStartedBy(captureEventId: string): EventOf<'RunStarted'>[] {
    return this.events('RunStarted').filter((e) => e.envelope.causationId === captureEventId);
  }

  waitClosed(runId: string, timeoutMs = 30_000): Promise<EventOf<'RunCompleted'> | EventOf<'RunFailed'>> {
    return eventually(
      () => this.events('RunCompleted', runId)[0] ?? this.events('RunFailed', runId)[0],
      timeoutMs,
    );
  }

  async stop(): Promise<void> {
    for (const consumer of this.consumers) await consumer.disconnect();
    await this.producer.disconnect();
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      await admin
        .deleteTopics({
          topics: [...Object.values(this.topics).filter((t) => !t.includes('{')), ...this.stageTopics],
        })
        .catch(() => undefined);
      await admin.deleteGroups(this.groups).catch(() => undefined);
    } finally {
      await admin.disconnect();
    }
  }
}
