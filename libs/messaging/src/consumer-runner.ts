// A consumer group that decodes, handles with retries, dead-letters what cannot be handled, and commits only what is
// done. Order per key holds because a partition's messages are handled one after another; partitions run in parallel.
import { TOPICS } from '@imageflow/contracts';
import {
  context as otelContext,
  recordError,
  type Context,
  type Logger,
  type Registry,
} from '@imageflow/observability';
import type { Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import { backoffDelay, DEFAULT_RETRY, sleep, validateRetryPolicy, type RetryPolicy } from './backoff';
import { deadLetterMessage } from './dead-letter';
import { errorMessage, UndecodableMessageError } from './errors';
import type { EventProducer } from './event-producer';
import type { DecodedEvent, EventSerde } from './event-serde';
import { headersToRecord } from './headers';
import { consumerConfig } from './kafka.adapter';
import { markDeadLettered, startConsumerSpan } from './message-tracing';
import { initConsumerSeries, messagingMetrics, type MessagingMetrics } from './metrics';

export interface ConsumedMessage {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  headers: Record<string, string>;
  decoded: DecodedEvent;
  /** 1 on the first call of the handler for this message, 2 on the first retry, … */
  attempt: number;
  raw: KafkaMessage;
  /**
   * The message's CONSUMER span context (child of the producer's span). ConsumerRunner handlers already run in
   * it; batch handlers use `context.with(message.traceContext, …)` for work about one message. Absent in
   * messages built by hand (tests).
   */
  traceContext?: Context;
}

export interface ConsumerRunnerOptions {
  groupId: string;
  topics: string[];
  handler: (msg: ConsumedMessage) => Promise<void>;
  /** Partitions handled in parallel (default 3). Each partition is still handled in order. */
  partitionsConcurrently?: number;
  /** Fetching pauses when more messages than this are fetched and not yet done, and resumes below half (default 100). */
  maxInFlight?: number;
  /** Handler retries: exponential backoff with jitter (default 5 attempts, 200 ms doubling to 10 s). */
  retry?: RetryPolicy;
  /** Where messages go after the last attempt or when they do not decode (default imageflow.dlq.v1). */
  dlqTopic?: string;
  fromBeginning?: boolean;
  logger?: Logger;
  metrics?: Registry;
}

/** Longest single sleep between heartbeats while waiting to retry, well under the session timeout. */
const HEARTBEAT_SLICE_MS = 1_000;

/** Outcome of one message: done (offset may be committed) or abandoned because the runner is stopping. */
type Outcome = 'done' | 'stopping';

export class ConsumerRunner {
  private consumer: Consumer | undefined;
  private readonly policy: RetryPolicy;
  private readonly maxInFlight: number;
  private readonly dlqTopic: string;
  private readonly metrics: MessagingMetrics | undefined;
  private readonly logger: Logger | undefined;
  private stopping = new AbortController();
  private stopped: Promise<void> | undefined;
  private inFlight = 0;
  private paused = false;

  constructor(
    private readonly kafka: Kafka,
    private readonly serde: EventSerde,
    private readonly producer: EventProducer,
    private readonly opts: ConsumerRunnerOptions,
  ) {
    if (!opts.groupId) throw new Error('ConsumerRunner: groupId is required');
    if (opts.topics.length === 0) throw new Error('ConsumerRunner: at least one topic is required');
    this.policy = validateRetryPolicy(opts.retry ?? DEFAULT_RETRY);
    this.maxInFlight = opts.maxInFlight ?? 100;
    if (!(this.maxInFlight >= 1))
      throw new Error(`ConsumerRunner: maxInFlight must be ≥ 1 (got ${this.maxInFlight})`);
    const concurrency = opts.partitionsConcurrently ?? 3;
    if (!Number.isInteger(concurrency) || concurrency < 1)
      throw new Error(`ConsumerRunner: partitionsConcurrently must be an integer ≥ 1 (got ${concurrency})`);
    this.dlqTopic = opts.dlqTopic ?? TOPICS.deadLetters;
    this.metrics = opts.metrics ? messagingMetrics(opts.metrics) : undefined;
    if (this.metrics) initConsumerSeries(this.metrics, opts.groupId, opts.topics);
    this.logger = opts.logger?.child({ component: 'consumer-runner', groupId: opts.groupId });
  }

  /** Joins the group and starts handling; resolves once the consumer runs (handling continues in the background). */
  async start(): Promise<void> {
    if (this.consumer) throw new Error('ConsumerRunner: already started');
    this.stopping = new AbortController();
    this.stopped = undefined;
    await this.producer.connect();
    // Offsets are resolved one by one as messages finish; kafkajs commits only resolved offsets (after each batch,
    // and every 5 s / 100 messages within long batches), so nothing past an unfinished message is ever committed.
    const consumer = this.kafka.consumer(consumerConfig(this.opts.groupId));
    this.consumer = consumer;
    consumer.on(consumer.events.CRASH, ({ payload }) =>
      this.logger?.error({ err: payload.error, restart: payload.restart }, 'consumer crashed'),
    );
    consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) =>
      this.metrics?.lag.set(
        { consumergroup: this.opts.groupId, topic: payload.topic, partition: String(payload.partition) },
        Number(payload.offsetLag),
      ),
    );
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: this.opts.topics, fromBeginning: this.opts.fromBeginning ?? false });
      await consumer.run({
        partitionsConsumedConcurrently: this.opts.partitionsConcurrently ?? 3,
        eachBatchAutoResolve: false,
        autoCommit: true,
        autoCommitInterval: 5_000,
        autoCommitThreshold: 100,
        eachBatch: (payload) => this.onBatch(payload),
      });
    } catch (error) {
      // Leave the runner startable again (e.g. after the brokers come back).
      this.consumer = undefined;
      await consumer.disconnect().catch(() => undefined);
      throw error;
    }
    this.logger?.info({ topics: this.opts.topics }, 'consumer started');
  }

  /** Lets the messages being handled finish (retry waits are cut short), commits what is done, leaves the group. */
  stop(): Promise<void> {
    if (!this.stopped) {
      this.stopping.abort();
      const consumer = this.consumer;
      this.stopped = (async () => {
        if (!consumer) return;
        // disconnect() stops the runner: it waits for the batches in hand, commits resolved offsets, leaves the group.
        await consumer.disconnect();
        this.consumer = undefined;
        this.setInFlight(0);
        this.logger?.info('consumer stopped');
      })();
    }
    return this.stopped;
  }

  /** SIGTERM / SIGINT: stop gracefully, then exit 0 (1 if stopping failed). For processes with one runner. */
  installSignalHandlers(): void {
    const onSignal = (signal: NodeJS.Signals): void => {
      this.logger?.info({ signal }, 'signal received, stopping consumer');
      this.stop().then(
        () => process.exit(0),
        (error: unknown) => {
          this.logger?.error({ err: error }, 'graceful stop failed');
          process.exit(1);
        },
      );
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
  }

  /** Messages fetched and not yet done. */
  get inFlightCount(): number {
    return this.inFlight;
  }

  get isPaused(): boolean {
    return this.paused;
  }

  private async onBatch({
    batch,
    resolveOffset,
    heartbeat,
    commitOffsetsIfNecessary,
    isRunning,
    isStale,
  }: EachBatchPayload): Promise<void> {
    const { topic, partition } = batch;
    let remaining = batch.messages.length;
    this.setInFlight(this.inFlight + remaining);
    try {
      for (const message of batch.messages) {
        if (!isRunning() || isStale() || this.stopping.signal.aborted) break;
        const outcome = await this.handleOne(topic, partition, message, heartbeat);
        if (outcome === 'stopping') break;
        resolveOffset(message.offset);
        remaining -= 1;
        this.setInFlight(this.inFlight - 1);
        await commitOffsetsIfNecessary();
        await heartbeat();
      }
    } finally {
      this.setInFlight(this.inFlight - remaining);
    }
  }

  /** One CONSUMER span per message (all attempts), parent from its `traceparent`; the handler runs inside it. */
  private async handleOne(
    topic: string,
    partition: number,
    message: KafkaMessage,
    heartbeat: () => Promise<void>,
  ): Promise<Outcome> {
    const headers = headersToRecord(message.headers);
    const { span, context } = startConsumerSpan({
      topic,
      partition,
      offset: message.offset,
      headers,
      groupId: this.opts.groupId,
    });
    try {
      const outcome = await otelContext.with(context, () =>
        this.handleInSpan(topic, partition, message, headers, context, heartbeat),
      );
      if (outcome === 'stopping') span.setAttribute('imageflow.abandoned', true);
      return outcome;
    } catch (error) {
      recordError(span, error);
      throw error;
    } finally {
      span.end();
    }
  }

  private async handleInSpan(
    topic: string,
    partition: number,
    message: KafkaMessage,
    headers: Record<string, string>,
    traceContext: Context,
    heartbeat: () => Promise<void>,
  ): Promise<Outcome> {
    const log = this.logger?.child({ topic, partition, offset: message.offset });
    const decoded = await this.decode(message, log, heartbeat);
    if (decoded === 'stopping') return 'stopping';
    if (decoded instanceof UndecodableMessageError) {
      log?.warn({ reason: decoded.reason, error: decoded.message }, 'undecodable message, dead-lettering');
      markDeadLettered(traceContext, decoded.message);
      return this.deadLetter(topic, partition, message, 0, decoded.message, heartbeat);
    }

    const base = {
      topic,
      partition,
      offset: message.offset,
      key: message.key ? message.key.toString('utf8') : null,
      headers,
      decoded,
      raw: message,
      traceContext,
    };
    let lastError: unknown;
    for (let attempt = 1; attempt <= this.policy.attempts; attempt += 1) {
      try {
        await this.opts.handler({ ...base, attempt });
        this.metrics?.consumed.inc({ topic });
        return 'done';
      } catch (error) {
        lastError = error;
        if (attempt === this.policy.attempts) break;
        // A stop during the wait leaves the message unresolved: the next owner of the partition handles it again.
        if (this.stopping.signal.aborted) return 'stopping';
        const delay = backoffDelay(this.policy, attempt);
        this.metrics?.retried.inc({ topic });
        log?.warn(
          { err: error, attempt, delayMs: delay, eventId: decoded.event.envelope.eventId },
          'handler failed, retrying',
        );
        if (!(await this.wait(delay, heartbeat))) return 'stopping';
      }
    }
    log?.error(
      { err: lastError, attempts: this.policy.attempts, eventId: decoded.event.envelope.eventId },
      'handler failed, dead-lettering',
    );
    markDeadLettered(traceContext, errorMessage(lastError));
    return this.deadLetter(
      topic,
      partition,
      message,
      this.policy.attempts,
      errorMessage(lastError),
      heartbeat,
    );
  }

  /**
   * Decodes, telling bytes that can never decode (dead-letter them) from a registry that is briefly unreachable
   * (wait and try again: those messages are fine and must not be lost).
   */
  private async decode(
    message: KafkaMessage,
    log: Logger | undefined,
    heartbeat: () => Promise<void>,
  ): Promise<DecodedEvent | UndecodableMessageError | 'stopping'> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.serde.decode(message.value as Buffer);
      } catch (error) {
        if (error instanceof UndecodableMessageError) return error;
        const delay = backoffDelay(this.policy, attempt);
        log?.warn({ err: error, delayMs: delay }, 'cannot decode now (schema registry), will retry');
        if (!(await this.wait(delay, heartbeat))) return 'stopping';
      }
    }
  }

  /** Sends the dead letter; keeps trying while Kafka refuses (the message must not be lost), unless stopping. */
  private async deadLetter(
    topic: string,
    partition: number,
    message: KafkaMessage,
    attempts: number,
    error: string,
    heartbeat: () => Promise<void>,
  ): Promise<Outcome> {
    const dead = deadLetterMessage(message, {
      topic,
      partition,
      offset: message.offset,
      group: this.opts.groupId,
      attempts,
      error,
    });
    for (let attempt = 1; ; attempt += 1) {
      try {
        await this.producer.sendRaw(this.dlqTopic, [dead]);
        this.metrics?.deadLettered.inc({ topic });
        this.metrics?.consumed.inc({ topic });
        return 'done';
      } catch (sendError) {
        const delay = backoffDelay(this.policy, attempt);
        this.logger?.error(
          { err: sendError, topic, partition, offset: message.offset, delayMs: delay },
          'dead-letter send failed, retrying',
        );
        if (!(await this.wait(delay, heartbeat))) return 'stopping';
      }
    }
  }

  /** Sleeps in slices, heartbeating so the group keeps the partition; false when stopped meanwhile. */
  private async wait(ms: number, heartbeat: () => Promise<void>): Promise<boolean> {
    const until = Date.now() + ms;
    for (let left = ms; left > 0; left = until - Date.now()) {
      if (!(await sleep(Math.min(left, HEARTBEAT_SLICE_MS), this.stopping.signal))) return false;
      await heartbeat();
    }
    return !this.stopping.signal.aborted;
  }

  /** Backpressure: pause every subscribed topic above maxInFlight, resume below half of it. */
  private setInFlight(value: number): void {
    this.inFlight = Math.max(0, value);
    this.metrics?.inFlight.set({ group: this.opts.groupId }, this.inFlight);
    const consumer = this.consumer;
    if (!consumer) return;
    if (!this.paused && this.inFlight > this.maxInFlight) {
      consumer.pause(this.opts.topics.map((topic) => ({ topic })));
      this.paused = true;
      this.metrics?.paused.set({ group: this.opts.groupId }, 1);
      this.logger?.debug({ inFlight: this.inFlight }, 'fetching paused');
    } else if (this.paused && this.inFlight < this.maxInFlight / 2) {
      consumer.resume(this.opts.topics.map((topic) => ({ topic })));
      this.paused = false;
      this.metrics?.paused.set({ group: this.opts.groupId }, 0);
      this.logger?.debug({ inFlight: this.inFlight }, 'fetching resumed');
    }
  }
}
