// Batch consumers whose position lives outside Kafka (e.g. in Postgres, written in the same transaction as the
// effects of the batch), which is what makes a projection exactly-once. Kafka's committed offsets are written too,
// after each batch, but only so lag dashboards work; they are never read back.
import { TOPICS } from '@imageflow/contracts';
import {
  ATTR,
  context as otelContext,
  extractTraceContext,
  SpanKind,
  trace,
  tracer,
  type Link,
  type Logger,
  type Registry,
  type Span,
} from '@imageflow/observability';
import type { Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import { backoffDelay, DEFAULT_RETRY, sleep, validateRetryPolicy, type RetryPolicy } from './backoff';
import type { ConsumedMessage } from './consumer-runner';
import { deadLetterMessage } from './dead-letter';
import { UndecodableMessageError } from './errors';
import type { EventProducer } from './event-producer';
import type { DecodedEvent, EventSerde } from './event-serde';
import { headersToRecord } from './headers';
import { consumerConfig } from './kafka.adapter';
import { startConsumerSpan } from './message-tracing';
import { initConsumerSeries, messagingMetrics, type MessagingMetrics } from './metrics';

export interface UndecodableEntry {
  offset: string;
  error: string;
  raw: KafkaMessage;
}

export interface CheckpointedBatch {
  topic: string;
  partition: number;
  /** Decoded messages in offset order (attempt is the number of times this batch was handed over). */
  messages: ConsumedMessage[];
  /** Messages that do not decode; already sent to the dead-letter topic. Advance the checkpoint past them too. */
  undecodable: UndecodableEntry[];
  /** Offset of the batch's last message: store `lastOffset + 1` as the checkpoint with the batch's effects. */
  lastOffset: string;
}

export interface RawBatch {
  topic: string;
  partition: number;
  /** Messages as they are on the topic, in offset order. */
  messages: KafkaMessage[];
  lastOffset: string;
  /** 1 the first time this batch is handed over, 2 after one failed handleBatch, … */
  attempt: number;
}

interface CheckpointOptions {
  groupId: string;
  topics: string[];
  /** Next offset to read for a partition, or undefined to start from the beginning of the log. */
  loadCheckpoint: (topic: string, partition: number) => Promise<string | undefined>;
  /** Partitions whose batches are handled at the same time (default 1: one transaction at a time). */
  partitionsConcurrently?: number;
  /** Backoff between failed handleBatch calls (attempts is ignored: a batch is never skipped). */
  retry?: RetryPolicy;
  logger?: Logger;
  metrics?: Registry;
}

export interface CheckpointedBatchConsumerOptions extends CheckpointOptions {
  /** Writes the batch's effects and the checkpoint `lastOffset + 1` in one transaction. Retried with backoff until it succeeds. */
  handleBatch: (batch: CheckpointedBatch) => Promise<void>;
  dlqTopic?: string;
}

export interface RawCheckpointedBatchConsumerOptions extends CheckpointOptions {
  /** Writes the batch and the checkpoint `lastOffset + 1` in one transaction. Retried with backoff until it succeeds. */
  handleBatch: (batch: RawBatch) => Promise<void>;
}

const HEARTBEAT_SLICE_MS = 1_000;
const partitionKey = (topic: string, partition: number): string => `${topic}\u0000${partition}`;

/** Next offset after `offset` (Kafka offsets are int64; strings keep them exact). */
export const nextOffset = (offset: string): string => (BigInt(offset) + 1n).toString();

/** What a subclass does with the messages of a batch that are at or after the checkpoint. */
interface BatchWork {
  topic: string;
  partition: number;
  messages: KafkaMessage[];
  lastOffset: string;
  heartbeat: () => Promise<void>;
}

/** Positions, seeks, retries and stop: everything but what a batch is turned into. */
abstract class CheckpointedConsumerBase {
  private consumer: Consumer | undefined;
  protected readonly policy: RetryPolicy;
  protected readonly metrics: MessagingMetrics | undefined;
  protected readonly logger: Logger | undefined;
  protected stopping = new AbortController();
  private stopped: Promise<void> | undefined;
  /** Per assignment generation: the next offset to handle, per partition (loaded from the checkpoint, then advanced). */
  private positions = new Map<string, Promise<string | undefined>>();
  /** Partitions already sought back to their checkpoint in this generation (seek once, so a truncated log cannot loop). */
  private sought = new Set<string>();

  protected constructor(
    private readonly kafka: Kafka,
    private readonly base: CheckpointOptions,
    private readonly name: string,
  ) {
    if (!base.groupId) throw new Error(`${name}: groupId is required`);
    if (base.topics.length === 0) throw new Error(`${name}: at least one topic is required`);
    this.policy = validateRetryPolicy(base.retry ?? DEFAULT_RETRY);
    this.metrics = base.metrics ? messagingMetrics(base.metrics) : undefined;
    if (this.metrics) initConsumerSeries(this.metrics, base.groupId, base.topics);
    this.logger = base.logger?.child({ component: name, groupId: base.groupId });
  }

  /** Handles the batch; false when it was abandoned because the consumer is stopping (nothing is resolved then). */
  protected abstract process(work: BatchWork): Promise<boolean>;

  /** Runs before the consumer connects (e.g. connect the producer the subclass needs). */
  protected beforeStart(): Promise<void> {
    return Promise.resolve();
  }

  async start(): Promise<void> {
    if (this.consumer) throw new Error(`${this.name}: already started`);
    this.stopping = new AbortController();
    this.stopped = undefined;
    await this.beforeStart();
    const consumer = this.kafka.consumer(consumerConfig(this.base.groupId));
    this.consumer = consumer;
    consumer.on(consumer.events.CRASH, ({ payload }) =>
      this.logger?.error({ err: payload.error, restart: payload.restart }, 'consumer crashed'),
    );
    // Every (re)assignment: forget positions, read the checkpoints again and seek there.
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      this.positions = new Map();
      this.sought = new Set();
      for (const [topic, partitions] of Object.entries(payload.memberAssignment)) {
        for (const partition of partitions) {
          const key = partitionKey(topic, partition);
          const position = this.positionOf(topic, partition);
          position
            .then((next) => {
              // Skip when a batch already moved this partition on: seeking back would hand it over twice.
              if (
                next === undefined ||
                this.positions.get(key) !== position ||
                this.sought.has(key) ||
                !this.consumer
              )
                return;
              this.sought.add(key);
              this.consumer.seek({ topic, partition, offset: next });
            })
            .catch((error: unknown) =>
              this.logger?.error({ err: error, topic, partition }, 'cannot load checkpoint'),
            );
        }
      }
    });
    consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) =>
      this.metrics?.lag.set(
        { consumergroup: this.base.groupId, topic: payload.topic, partition: String(payload.partition) },
        Number(payload.offsetLag),
      ),
    );
    try {
      await consumer.connect();
      // Without a checkpoint a partition is read from the beginning: a projection needs the whole log.
      await consumer.subscribe({ topics: this.base.topics, fromBeginning: true });
      await consumer.run({
        partitionsConsumedConcurrently: this.base.partitionsConcurrently ?? 1,
        eachBatchAutoResolve: false,
        autoCommit: true,
        eachBatch: (payload) => this.onBatch(payload),
      });
    } catch (error) {
      this.consumer = undefined;
      await consumer.disconnect().catch(() => undefined);
      throw error;
    }
    this.logger?.info({ topics: this.base.topics }, 'batch consumer started');
  }

  /** Finishes the batch in hand (a failing one is abandoned: its transaction never committed), leaves the group. */
  stop(): Promise<void> {
    if (!this.stopped) {
      this.stopping.abort();
      const consumer = this.consumer;
      this.stopped = (async () => {
        if (!consumer) return;
        await consumer.disconnect();
        this.consumer = undefined;
        this.logger?.info('batch consumer stopped');
      })();
    }
    return this.stopped;
  }

  private positionOf(topic: string, partition: number): Promise<string | undefined> {
    const key = partitionKey(topic, partition);
    let position = this.positions.get(key);
    if (!position) {
      position = this.base.loadCheckpoint(topic, partition);
      this.positions.set(key, position);
      position.catch(() => this.positions.delete(key));
    }
    return position;
  }

  private async onBatch({
    batch,
    resolveOffset,
    heartbeat,
    isRunning,
    isStale,
  }: EachBatchPayload): Promise<void> {
    const { topic, partition } = batch;
    const key = partitionKey(topic, partition);
    if (batch.messages.length === 0 || !isRunning() || isStale()) return;
    const next = await this.positionOf(topic, partition);
    // The assignment handler may have sought to the checkpoint while we waited: this batch was fetched before it.
    if (!isRunning() || isStale()) return;
    const first = batch.messages[0]?.offset ?? '0';
    if (next !== undefined && BigInt(first) > BigInt(next) && !this.sought.has(key)) {
      // Kafka's position is past the checkpoint (e.g. its committed offset ran ahead of a rolled-back transaction).
      this.sought.add(key);
      this.consumer?.seek({ topic, partition, offset: next });
      return;
    }
    if (next !== undefined && BigInt(first) > BigInt(next))
      this.logger?.error(
        { topic, partition, checkpoint: next, firstAvailable: first },
        'checkpoint is before the log start: messages lost to retention',
      );
    const messages =
      next === undefined ? batch.messages : batch.messages.filter((m) => BigInt(m.offset) >= BigInt(next));
    if (messages.length === 0) return;
    const lastOffset = messages[messages.length - 1]?.offset ?? first;

    this.metrics?.inFlight.set({ group: this.base.groupId }, messages.length);
    const done = await this.process({ topic, partition, messages, lastOffset, heartbeat });
    this.metrics?.inFlight.set({ group: this.base.groupId }, 0);
    if (!done) return;
    this.positions.set(key, Promise.resolve(nextOffset(lastOffset)));
    resolveOffset(lastOffset);
    this.metrics?.consumed.inc({ topic }, messages.length);
    await heartbeat();
  }

  /** Calls `handle` until it succeeds (a batch is never skipped); false if the consumer stops first. */
  protected async untilHandled(
    work: BatchWork,
    handle: (attempt: number) => Promise<void>,
  ): Promise<boolean> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        await handle(attempt);
        return true;
      } catch (error) {
        if (this.stopping.signal.aborted) return false;
        const delay = backoffDelay(this.policy, attempt);
        this.metrics?.retried.inc({ topic: work.topic });
        this.logger?.error(
          {
            err: error,
            topic: work.topic,
            partition: work.partition,
            lastOffset: work.lastOffset,
            attempt,
            delayMs: delay,
          },
          'handleBatch failed, retrying',
        );
        if (!(await this.wait(delay, work.heartbeat))) return false;
      }
    }
  }

  /** Sleeps in slices, heartbeating so the group keeps the partition; false when stopped meanwhile. */
  protected async wait(ms: number, heartbeat: () => Promise<void>): Promise<boolean> {
    const until = Date.now() + ms;
    for (let left = ms; left > 0; left = until - Date.now()) {
      if (!(await sleep(Math.min(left, HEARTBEAT_SLICE_MS), this.stopping.signal))) return false;
      await heartbeat();
    }
    return !this.stopping.signal.aborted;
  }
}

/** Decodes every message; undecodable ones are dead-lettered and listed so the checkpoint moves past them. */
export class CheckpointedBatchConsumer extends CheckpointedConsumerBase {
  private readonly dlqTopic: string;
  /** Offsets already dead-lettered by this process, so a retried batch does not dead-letter them twice. */
  private readonly deadLettered = new Set<string>();

  constructor(
    kafka: Kafka,
    private readonly serde: EventSerde,
    private readonly producer: EventProducer,
    private readonly opts: CheckpointedBatchConsumerOptions,
  ) {
    super(kafka, opts, 'CheckpointedBatchConsumer');
    this.dlqTopic = opts.dlqTopic ?? TOPICS.deadLetters;
  }

  protected override async beforeStart(): Promise<void> {
    await this.producer.connect();
  }

  protected async process(work: BatchWork): Promise<boolean> {
    const { topic, partition } = work;
    const decoded: ConsumedMessage[] = [];
    const undecodable: UndecodableEntry[] = [];
    // One CONSUMER span per decoded message (child of its producer's span), open until the batch is handled:
    // the batch handler does per-message work inside `message.traceContext`.
    const spans: Span[] = [];
    let done = false;
    try {
      for (const message of work.messages) {
        const result = await this.decode(message, work.heartbeat);
        if (result === 'stopping') return false;
        if (result instanceof UndecodableMessageError) {
          undecodable.push({ offset: message.offset, error: result.message, raw: message });
          continue;
        }
        const headers = headersToRecord(message.headers);
        const traced = startConsumerSpan({
          topic,
          partition,
          offset: message.offset,
          headers,
          groupId: this.opts.groupId,
        });
        traced.span.setAttribute(ATTR.messagingBatchCount, work.messages.length);
        spans.push(traced.span);
        decoded.push({
          topic,
          partition,
          offset: message.offset,
          key: message.key ? message.key.toString('utf8') : null,
          headers,
          decoded: result,
          attempt: 1,
          raw: message,
          traceContext: traced.context,
        });
      }
      // Dead letters first: a duplicate after a crash is harmless, a lost one is not.
      for (const entry of undecodable) if (!(await this.deadLetter(work, entry))) return false;
      done = await this.untilHandled(work, (attempt) =>
        this.opts.handleBatch({
          topic,
          partition,
          messages: decoded.map((m) => ({ ...m, attempt })),
          undecodable,
          lastOffset: work.lastOffset,
        }),
      );
      return done;
    } finally {
      for (const span of spans) {
        if (!done) span.setAttribute('imageflow.abandoned', true);
        span.end();
      }
    }
  }

  private async decode(
    message: KafkaMessage,
    heartbeat: () => Promise<void>,
  ): Promise<DecodedEvent | UndecodableMessageError | 'stopping'> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.serde.decode(message.value as Buffer);
      } catch (error) {
        if (error instanceof UndecodableMessageError) return error;
        const delay = backoffDelay(this.policy, attempt);
        this.logger?.warn(
          { err: error, offset: message.offset, delayMs: delay },
          'cannot decode now (schema registry), will retry',
        );
        if (!(await this.wait(delay, heartbeat))) return 'stopping';
      }
    }
  }

  private async deadLetter(work: BatchWork, entry: UndecodableEntry): Promise<boolean> {
    const { topic, partition } = work;
    const id = `${partitionKey(topic, partition)}@${entry.offset}`;
    if (this.deadLettered.has(id)) return true;
    const dead = deadLetterMessage(entry.raw, {
      topic,
      partition,
      offset: entry.offset,
      group: this.opts.groupId,
      attempts: 0,
      error: entry.error,
    });
    for (let attempt = 1; ; attempt += 1) {
      try {
        await this.producer.sendRaw(this.dlqTopic, [dead]);
        this.deadLettered.add(id);
        this.metrics?.deadLettered.inc({ topic });
        this.logger?.warn(
          { topic, partition, offset: entry.offset, error: entry.error },
          'undecodable message dead-lettered',
        );
        return true;
      } catch (error) {
        const delay = backoffDelay(this.policy, attempt);
        this.logger?.error({ err: error, delayMs: delay }, 'dead-letter send failed, retrying');
        if (!(await this.wait(delay, work.heartbeat))) return false;
      }
    }
  }
}

/**
 * Same checkpoint contract, no decoding: for topics whose values are not (all) events, such as the dead-letter
 * topic itself (its undecodable entries must not be dead-lettered again).
 */
export class RawCheckpointedBatchConsumer extends CheckpointedConsumerBase {
  constructor(
    kafka: Kafka,
    private readonly opts: RawCheckpointedBatchConsumerOptions,
  ) {
    super(kafka, opts, 'RawCheckpointedBatchConsumer');
  }

  /** One CONSUMER span for the batch, linked to the span of every message that carries one. */
  protected async process(work: BatchWork): Promise<boolean> {
    const links: Link[] = [];
    for (const message of work.messages) {
      const spanContext = trace.getSpanContext(extractTraceContext(headersToRecord(message.headers)));
      if (spanContext) links.push({ context: spanContext });
    }
    const span = tracer().startSpan(`process ${work.topic}`, {
      kind: SpanKind.CONSUMER,
      links,
      attributes: {
        [ATTR.messagingSystem]: 'kafka',
        [ATTR.messagingOperation]: 'process',
        [ATTR.messagingDestination]: work.topic,
        [ATTR.messagingConsumerGroup]: this.opts.groupId,
        [ATTR.messagingPartition]: String(work.partition),
        [ATTR.messagingBatchCount]: work.messages.length,
      },
    });
    try {
      const done = await otelContext.with(trace.setSpan(otelContext.active(), span), () =>
        this.untilHandled(work, (attempt) =>
          this.opts.handleBatch({
            topic: work.topic,
            partition: work.partition,
            messages: work.messages,
            lastOffset: work.lastOffset,
            attempt,
          }),
        ),
      );
      if (!done) span.setAttribute('imageflow.abandoned', true);
      return done;
    } finally {
      span.end();
    }
  }
}
