// The live view's one Kafka consumer: reads the run log from "now" on, in a consumer group of its own (a unique id
// per gateway instance, nothing committed), so every instance sees every event and none takes work from another.
// The only kafkajs consumer calls of the gateway live here.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import {
  consumerConfig,
  ensureTopics,
  errorMessage,
  topicOffsets,
  type DecodedEvent,
  type EventSerde,
  type Kafka,
} from '@imageflow/messaging';
import type { Logger } from '@imageflow/observability';

type Consumer = ReturnType<Kafka['consumer']>;

const RETRY_MS = 10_000;

export interface RunEventsTailOptions {
  topic: string;
  groupPrefix: string;
  ensureTopic: boolean;
  onEvent: (decoded: DecodedEvent) => void;
  /** A message that does not decode: skipped (this is a view, not a processor; the projector dead-letters it). */
  onUndecodable: (error: unknown, where: { partition: number; offset: string }) => void;
}

export class RunEventsTail {
  readonly groupId: string;
  private consumer: Consumer | undefined;
  /** Highest offset handed on per partition: a seek that overlaps what was already read sends nothing twice. */
  private readonly delivered = new Map<number, bigint>();
  private stopping = false;

  constructor(
    private readonly kafka: Kafka,
    private readonly serde: EventSerde,
    private readonly logger: Logger,
    private readonly opts: RunEventsTailOptions,
  ) {
    const host = hostname().replace(/[^A-Za-z0-9._-]/g, '-');
    this.groupId = `${opts.groupPrefix}.${host}.${randomUUID()}`;
  }

  /**
   * Fixes the start position (each partition's end now) and joins in the background, so events published after
   * this resolves are all seen even though joining a group takes seconds. Never fails the gateway's start: without
   * Kafka (or the topic) it logs and tries again, live updates are simply off until then.
   */
  async start(): Promise<void> {
    try {
      const ends = await this.endOffsets();
      void this.run(ends).catch((error: unknown) => this.retry(error));
    } catch (error) {
      this.retry(error);
    }
  }

  private retry(error: unknown): void {
    if (this.stopping) return;
    this.logger.error(
      { err: error, groupId: this.groupId, retryInMs: RETRY_MS },
      'live run-events consumer could not start; live updates are off until it does',
    );
    const consumer = this.consumer;
    this.consumer = undefined;
    void consumer?.disconnect().catch(() => undefined);
    setTimeout(() => void this.start(), RETRY_MS).unref();
  }

  private async endOffsets(): Promise<{ partition: number; high: string }[]> {
    if (this.opts.ensureTopic) await ensureTopics(this.kafka, [{ topic: this.opts.topic }]);
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      return await topicOffsets(admin, this.opts.topic);
    } finally {
      await admin.disconnect();
    }
  }

  private async run(ends: { partition: number; high: string }[]): Promise<void> {
    // No offsets are ever committed: a restarted gateway starts at the end again, and the group leaves no trace.
    const consumer = this.kafka.consumer(consumerConfig(this.groupId, { maxWaitTimeInMs: 100 }));
    this.consumer = consumer;
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      this.logger.error({ err: payload.error, restart: payload.restart }, 'live consumer crashed');
      // kafkajs restarts the consumer itself after retriable errors; after the others it is gone.
      if (!payload.restart && this.consumer === consumer) this.retry(payload.error);
    });
    await consumer.connect();
    if (this.stopping) return;
    await consumer.subscribe({ topics: [this.opts.topic], fromBeginning: false });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        const offset = BigInt(message.offset);
        if (offset <= (this.delivered.get(partition) ?? -1n)) return;
        this.delivered.set(partition, offset);
        if (!message.value) return;
        let decoded: DecodedEvent;
        try {
          decoded = await this.serde.decode(message.value);
        } catch (error) {
          this.opts.onUndecodable(error, { partition, offset: message.offset });
          return;
        }
        try {
          this.opts.onEvent(decoded);
        } catch (error) {
          // A bug in fan-out must not stop the feed for everybody.
          this.logger.error({ err: error, partition, offset: message.offset }, 'live fan-out failed');
        }
      },
    });
    for (const { partition, high } of ends) {
      // Unread partitions start at the end they had when the gateway started, not at the end when they are assigned.
      if (!this.delivered.has(partition)) consumer.seek({ topic: this.opts.topic, partition, offset: high });
    }
    this.logger.info({ groupId: this.groupId, topic: this.opts.topic }, 'live consumer started');
  }

  async stop(): Promise<void> {
    this.stopping = true;
    const consumer = this.consumer;
    this.consumer = undefined;
    if (consumer)
      await consumer
        .disconnect()
        .catch((error: unknown) =>
          this.logger.warn({ err: errorMessage(error) }, 'live consumer disconnect failed'),
        );
  }
}
