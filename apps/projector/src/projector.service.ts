import {
  CheckpointedBatchConsumer,
  createKafka,
  ensureTopics,
  EventProducer,
  EventSerde,
  RawCheckpointedBatchConsumer,
  topicOffsets,
  type CheckpointedBatch,
  type Kafka,
  type RawBatch,
} from '@imageflow/messaging';
import type { Logger, Registry } from '@imageflow/observability';
import {
  applyProjectionBatch,
  createPool,
  loadCheckpoint,
  migrate,
  resetProjections,
  tryProjectionLock,
  type Pool,
  type ProjectionBatch,
  type ProjectionLock,
} from '@imageflow/persistence';
import type { ProjectorConfig } from './projector.config';
import { deadLetterProjectionBatch, eventProjectionBatch } from './projector-batches';
import { inApplySpans } from './projector-tracing';
import { projectorMetrics, type ProjectorMetrics } from './projector.metrics';
import { PipelineLagExporter, queryPipelineLag } from './pipeline-lag.metrics';

export class ProjectionLockedError extends Error {
  constructor(name: string, mode: 'live' | 'rebuild') {
    super(
      mode === 'rebuild'
        ? `projection "${name}" is in use by a running projector; stop it before rebuilding`
        : `projection "${name}" is being rebuilt; start the projector when the rebuild has finished`,
    );
    this.name = 'ProjectionLockedError';
  }
}

const partitionKey = (topic: string, partition: number) => `${topic}:${partition}`;

/**
 * Folds the event topics and the dead-letter topic into Postgres. Each partition batch is one transaction holding
 * the event-log rows, their projections and the checkpoint, so the projector can die at any instant.
 */
export class Projector {
  private readonly metrics: ProjectorMetrics;
  private readonly kafka: Kafka;
  private readonly pool: Pool;
  private lock: ProjectionLock | undefined;
  private consumers: { start(): Promise<void>; stop(): Promise<void> }[] = [];
  private producer: EventProducer | undefined;
  /** Next offset per topic:partition, as committed in Postgres by this process. */
  readonly positions = new Map<string, bigint>();
  private running = false;
  private pipelineLag: PipelineLagExporter | undefined;
  /** Newest envelope.occurredAt (ms) applied per topic. */
  private readonly newestEventTime = new Map<string, number>();

  constructor(
    private readonly config: ProjectorConfig,
    private readonly logger: Logger,
    private readonly registry: Registry,
  ) {
    this.metrics = projectorMetrics(registry);
    this.kafka = createKafka({
      brokers: config.KAFKA_BROKERS,
      clientId: `projector-${config.PROJECTOR_NAME}`,
      logger,
    });
    this.pool = createPool({
      databaseUrl: config.DATABASE_URL,
      applicationName: `projector:${config.PROJECTOR_NAME}`,
      max: config.DB_POOL_MAX,
    });
  }

  get topics() {
    return {
      events: [
        this.config.PROJECTOR_IMAGES_TOPIC,
        this.config.PROJECTOR_RUN_EVENTS_TOPIC,
        this.config.PROJECTOR_PIPELINES_TOPIC,
      ],
      deadLetters: this.config.PROJECTOR_DLQ_TOPIC,
    };
  }

  isRunning(): boolean {
    return this.running;
  }

  async databaseAnswers(): Promise<boolean> {
    try {
      await this.pool.query('SELECT 1');
      return true;
    } catch {
      return false;
    }
  }

  /** Migrates, takes the shared projection lock, and starts consuming where the Postgres checkpoints say. */
  async start(): Promise<void> {
    await this.prepare('live');
    await this.startConsumers(this.config.PROJECTOR_GROUP_ID);
    this.pipelineLag = new PipelineLagExporter(
      () => queryPipelineLag(this.pool),
      this.metrics,
      this.config.PIPELINE_LAG_INTERVAL_MS,
      this.logger,
    );
    this.pipelineLag.start();
    this.logger.info({ topics: this.topics, groupId: this.config.PROJECTOR_GROUP_ID }, 'projector running');
  }

  /**
   * Empties the event log, the read models and the checkpoints, reads every topic from its beginning up to the end
   * offsets seen at the start, and stops. A fresh consumer group reads from the earliest offsets; the live group's
   * Kafka offsets are left alone (the live projector resumes from the Postgres checkpoints this writes).
   */
  async rebuild(): Promise<{ events: number; partitions: number }> {
    await this.prepare('rebuild');
    await resetProjections(this.pool, this.config.PROJECTOR_NAME);
    const targets = await this.endOffsets();
    this.logger.info(
      {
        partitions: targets.size,
        targets: Object.fromEntries([...targets].map(([k, v]) => [k, v.toString()])),
      },
      'rebuild started',
    );
    const groupId = `${this.config.PROJECTOR_GROUP_ID}-rebuild-${Date.now().toString(36)}`;
    const caughtUp = () => [...targets].every(([key, end]) => (this.positions.get(key) ?? 0n) >= end);
    await this.startConsumers(groupId);
    const deadline = Date.now() + this.config.REBUILD_TIMEOUT_MS;
    let lastReport = Date.now();
    while (!caughtUp()) {
      if (Date.now() > deadline) {
        throw new Error(
          `rebuild did not reach the end of the log within ${this.config.REBUILD_TIMEOUT_MS} ms: ${this.progress(targets)}`,
        );
      }
      if (Date.now() - lastReport > 5_000) {
        this.logger.info({ progress: this.progress(targets) }, 'rebuild progressing');
        lastReport = Date.now();
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await this.stopConsumers();
    await this.deleteGroups([groupId, `${groupId}-dlq`]);
    const { rows } = await this.pool.query<{ n: string }>('SELECT count(*) AS n FROM event_log');
    const result = { events: Number(rows[0]?.n ?? 0), partitions: targets.size };
    this.logger.info(result, 'rebuild finished');
    return result;
  }

  /** Finishes the batches in hand, leaves the consumer groups, releases the lock and the pool. */
  async stop(): Promise<void> {
    this.running = false;
    await this.pipelineLag?.stop();
    await this.stopConsumers();
    await this.lock?.release();
    await this.pool.end();
  }

  private async prepare(mode: 'live' | 'rebuild'): Promise<void> {
    const applied = await migrate(this.config.DATABASE_URL, {
      log: (message) => this.logger.debug({ message }, 'migration'),
    });
    if (applied.length) this.logger.info({ applied }, 'migrations applied');
    this.lock = await tryProjectionLock(
      this.pool,
      this.config.PROJECTOR_NAME,
      mode === 'live' ? 'shared' : 'exclusive',
    );
    if (!this.lock) throw new ProjectionLockedError(this.config.PROJECTOR_NAME, mode);
    await ensureTopics(this.kafka, [
      ...[...this.topics.events, this.topics.deadLetters].map((topic) => ({
        topic,
        numPartitions: this.config.PROJECTOR_TOPIC_PARTITIONS,
      })),
    ]);
  }

  private async startConsumers(groupId: string): Promise<void> {
    const name = this.config.PROJECTOR_NAME;
    const serde = new EventSerde({
      registryUrl: this.config.SCHEMA_REGISTRY_URL,
      clientId: `projector-${name}`,
    });
    this.producer = new EventProducer(this.kafka, serde, { logger: this.logger, metrics: this.registry });
    // Postgres alone says where to resume. No checkpoint means the database has never seen this partition (new or
    // emptied database): start at the beginning even if the Kafka group has committed offsets from an earlier life.
    // Offset 0 below the log start is reset to the earliest offset by the consumer (fromBeginning).
    const load = async (topic: string, partition: number) =>
      (await loadCheckpoint(this.pool, name, topic, partition)) ?? '0';
    const events = new CheckpointedBatchConsumer(this.kafka, serde, this.producer, {
      groupId,
      topics: this.topics.events,
      dlqTopic: this.topics.deadLetters,
      loadCheckpoint: load,
      handleBatch: (batch: CheckpointedBatch) =>
        inApplySpans(batch, () => this.write(eventProjectionBatch(name, batch), batch.undecodable.length)),
      logger: this.logger,
      metrics: this.registry,
    });
    // Dead-letter values are the original bytes of failed messages: read raw, never decoded, never dead-lettered again.
    const deadLetters = new RawCheckpointedBatchConsumer(this.kafka, {
      groupId: `${groupId}-dlq`,
      topics: [this.topics.deadLetters],
      loadCheckpoint: load,
      handleBatch: (batch: RawBatch) => this.write(deadLetterProjectionBatch(name, batch), 0),
      logger: this.logger,
      metrics: this.registry,
    });
    this.consumers = [events, deadLetters];
    await Promise.all(this.consumers.map((consumer) => consumer.start()));
    this.running = true;
  }

  private async stopConsumers(): Promise<void> {
    const consumers = this.consumers;
    this.consumers = [];
    await Promise.all(consumers.map((consumer) => consumer.stop()));
    await this.producer?.disconnect();
    this.producer = undefined;
  }

  private async write(batch: ProjectionBatch, undecodable: number): Promise<void> {
    const timer = this.metrics.batchDuration.startTimer({ topic: batch.topic });
    const result = await applyProjectionBatch(this.pool, batch);
    timer();
    this.metrics.events.inc({ topic: batch.topic, outcome: 'applied' }, result.applied);
    this.metrics.events.inc({ topic: batch.topic, outcome: 'duplicate' }, result.duplicates);
    this.metrics.deadLetters.inc({ topic: batch.topic }, result.deadLetters);
    // Event time, not offset: the read models are as fresh as the newest event in them.
    const newest = batch.events.reduce((max, e) => Math.max(max, e.decoded.event.envelope.occurredAt), 0);
    if (newest > (this.newestEventTime.get(batch.topic) ?? 0)) {
      this.newestEventTime.set(batch.topic, newest);
      this.metrics.lastEventTime.set({ topic: batch.topic }, newest / 1000);
    }
    this.metrics.checkpoint.set(
      { topic: batch.topic, partition: String(batch.partition) },
      Number(batch.nextOffset),
    );
    const key = partitionKey(batch.topic, batch.partition);
    const next = BigInt(batch.nextOffset);
    if (next > (this.positions.get(key) ?? -1n)) this.positions.set(key, next);
    this.logger.debug(
      { ...result, undecodable, topic: batch.topic, partition: batch.partition, next: batch.nextOffset },
      'batch projected',
    );
  }

  /** High watermark of every partition that holds anything, keyed topic:partition. */
  private async endOffsets(): Promise<Map<string, bigint>> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const targets = new Map<string, bigint>();
      for (const topic of [...this.topics.events, this.topics.deadLetters]) {
        for (const { partition, high, low } of await topicOffsets(admin, topic)) {
          if (BigInt(high) > BigInt(low)) targets.set(partitionKey(topic, partition), BigInt(high));
        }
      }
      return targets;
    } finally {
      await admin.disconnect();
    }
  }

  private progress(targets: Map<string, bigint>): Record<string, string> {
    return Object.fromEntries(
      [...targets].map(([key, end]) => [key, `${this.positions.get(key) ?? 0n}/${end}`]),
    );
  }

  private async deleteGroups(groupIds: string[]): Promise<void> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      await admin.deleteGroups(groupIds);
    } catch (error) {
      this.logger.warn({ err: error, groupIds }, 'could not delete the rebuild consumer groups');
    } finally {
      await admin.disconnect();
    }
  }
}
