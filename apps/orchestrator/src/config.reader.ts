// Keeps the pipeline configuration table current: reads imageflow.pipelines.v1 from the beginning with a
// throw-away consumer group (every orchestrator needs the whole table) and goes on applying new events.
import { randomUUID } from 'node:crypto';
import type { EventSerde, Kafka } from '@imageflow/messaging';
import { consumerConfig, topicOffsets } from '@imageflow/messaging';
import type { Logger } from '@imageflow/observability';
import { CONFIG_EVENT_TYPES, PipelineConfigTable, type ConfigEvent } from './pipeline-config.table';

export interface ConfigReaderOptions {
  kafka: Kafka;
  serde: EventSerde;
  topic: string;
  groupPrefix: string;
  logger: Logger;
  syncTimeoutMs: number;
}

type Consumer = ReturnType<Kafka['consumer']>;
type Admin = ReturnType<Kafka['admin']>;

export class ConfigReader {
  readonly table = new PipelineConfigTable();
  /** Next offset to read, per partition. */
  private readonly positions = new Map<number, bigint>();
  private consumer: Consumer | undefined;
  private admin: Admin | undefined;
  private readonly groupId: string;
  private applied = 0;
  private rejected = 0;

  constructor(private readonly opts: ConfigReaderOptions) {
    this.groupId = `${opts.groupPrefix}.config.${randomUUID()}`;
  }

  async start(): Promise<void> {
    this.admin = this.opts.kafka.admin();
    await this.admin.connect();
    const consumer = this.opts.kafka.consumer(consumerConfig(this.groupId, { maxWaitTimeInMs: 100 }));
    this.consumer = consumer;
    await consumer.connect();
    await consumer.subscribe({ topics: [this.opts.topic], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        try {
          const decoded = await this.opts.serde.decode(message.value as Buffer);
          if (CONFIG_EVENT_TYPES.has(decoded.type)) {
            this.table.apply(decoded as ConfigEvent);
            this.applied += 1;
          }
        } catch (error) {
          // A bad configuration event must not stop the others: it is logged and left out of the table.
          this.rejected += 1;
          this.opts.logger.error(
            { err: error, topic: this.opts.topic, partition, offset: message.offset },
            'configuration event rejected',
          );
        }
        this.positions.set(partition, BigInt(message.offset) + 1n);
      },
    });
    await this.sync();
    this.opts.logger.info(
      { ...this.table.size, applied: this.applied, rejected: this.rejected },
      'pipeline configuration loaded',
    );
  }

  /** Resolves once every configuration event written before this call is in the table. */
  async sync(): Promise<void> {
    if (!this.admin) throw new Error('ConfigReader: not started');
    const offsets = await topicOffsets(this.admin, this.opts.topic);
    const deadline = Date.now() + this.opts.syncTimeoutMs;
    for (;;) {
      const behind = offsets.filter(
        (o) => BigInt(o.high) > BigInt(o.low) && (this.positions.get(o.partition) ?? 0n) < BigInt(o.high),
      );
      if (behind.length === 0) return;
      if (Date.now() > deadline)
        throw new Error(
          `configuration reader behind on ${this.opts.topic} partitions ${behind.map((o) => o.partition).join(',')} after ${this.opts.syncTimeoutMs} ms`,
        );
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
    this.consumer = undefined;
    if (this.admin) {
      // The group committed nothing; remove it so it does not show in lag dashboards. Best effort.
      await this.admin.deleteGroups([this.groupId]).catch(() => undefined);
      await this.admin.disconnect();
      this.admin = undefined;
    }
  }
}
