// The one place kafkajs is configured: client id, brokers, retries, logging, producer and consumer tuning.
import type { Logger } from '@imageflow/observability';
import {
  Kafka,
  logLevel,
  Partitioners,
  type Admin,
  type ConsumerConfig,
  type ITopicConfig,
  type LogEntry,
  type Producer,
  type RetryOptions,
} from 'kafkajs';

/** Retries of broker requests (connection, metadata, produce, commit): ~30 s in total before giving up. */
export const KAFKA_RETRY: RetryOptions = { initialRetryTime: 300, maxRetryTime: 10_000, retries: 8 };

export interface CreateKafkaOptions {
  brokers: string[];
  clientId: string;
  /** kafkajs logs are written to this pino logger (namespace and broker fields kept); its level decides what kafkajs emits. */
  logger?: Logger;
}

/** pino level → kafkajs level, so kafkajs does not even build entries the logger would drop. */
export function kafkaLogLevelFor(pinoLevel: string): logLevel {
  switch (pinoLevel) {
    case 'trace':
    case 'debug':
      return logLevel.DEBUG;
    case 'info':
      return logLevel.INFO;
    case 'warn':
      return logLevel.WARN;
    case 'error':
    case 'fatal':
      return logLevel.ERROR;
    default:
      return logLevel.NOTHING;
  }
}

export function createKafka(opts: CreateKafkaOptions): Kafka {
  if (opts.brokers.length === 0) throw new Error('createKafka: no brokers given');
  const logger = opts.logger?.child({ component: 'kafkajs' });
  return new Kafka({
    clientId: opts.clientId,
    brokers: opts.brokers,
    retry: KAFKA_RETRY,
    connectionTimeout: 3_000,
    requestTimeout: 30_000,
    logLevel: logger ? kafkaLogLevelFor(logger.level) : logLevel.NOTHING,
    logCreator:
      () =>
      ({ namespace, level, log }: LogEntry) => {
        if (!logger) return;
        const { message, timestamp: _timestamp, logger: _name, ...fields } = log;
        const entry = { namespace, ...fields };
        if (level === logLevel.ERROR) logger.error(entry, message);
        else if (level === logLevel.WARN) logger.warn(entry, message);
        else if (level === logLevel.INFO) logger.info(entry, message);
        else logger.debug(entry, message);
      },
  });
}

/**
 * The producer every service uses: idempotent (the broker drops duplicates from retries), acks from all
 * in-sync replicas, one request in flight so retries never reorder a key's messages, and the Java client's
 * murmur2 partitioner so other Kafka clients put a key on the same partition.
 */
export function createIdempotentProducer(kafka: Kafka): Producer {
  return kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    retry: KAFKA_RETRY,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
}

/** Consumer-group tuning shared by the consumer runners. */
export function consumerConfig(groupId: string, overrides: Partial<ConsumerConfig> = {}): ConsumerConfig {
  return {
    groupId,
    sessionTimeout: 30_000,
    rebalanceTimeout: 60_000,
    heartbeatInterval: 3_000,
    maxWaitTimeInMs: 500,
    retry: KAFKA_RETRY,
    ...overrides,
  };
}

export interface TopicSpec {
  topic: string;
  /** Default 3 (the stack's num.partitions). */
  numPartitions?: number;
  /** Default: the broker's default.replication.factor. */
  replicationFactor?: number;
  /** Topic configs, e.g. { 'retention.ms': '604800000' }. */
  configs?: Record<string, string>;
}

/** Creates the topics that do not exist yet (others are left as they are); safe to call from every process at start-up. */
export async function ensureTopics(kafka: Kafka, topics: TopicSpec[]): Promise<void> {
  if (topics.length === 0) return;
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing: ITopicConfig[] = topics
      .filter((t) => !existing.has(t.topic))
      .map((t) => ({
        topic: t.topic,
        numPartitions: t.numPartitions ?? 3,
        replicationFactor: t.replicationFactor ?? -1,
        configEntries: Object.entries(t.configs ?? {}).map(([name, value]) => ({ name, value })),
      }));
    // createTopics ignores "already exists", so two processes racing here both succeed. A just-started KRaft
    // broker may still answer UNKNOWN_TOPIC_OR_PARTITION while the new topic's metadata propagates: retry that.
    if (missing.length)
      await retryRetriable(() => admin.createTopics({ topics: missing, waitForLeaders: true }));
    // Every partition of every topic has a leader before anyone produces or fetches offsets.
    await retryRetriable(async () => {
      const { topics: metadata } = await admin.fetchTopicMetadata({ topics: topics.map((t) => t.topic) });
      const leaderless = metadata.flatMap((t) =>
        t.partitions.filter((p) => p.leader < 0).map((p) => `${t.name}/${p.partitionId}`),
      );
      if (leaderless.length)
        throw Object.assign(new Error(`no leader yet for ${leaderless.join(', ')}`), { retriable: true });
    });
  } finally {
    await admin.disconnect();
  }
}

/**
 * Each partition's low and high watermarks. Right after a topic is created or a leader moves, the broker answers
 * NOT_LEADER / LEADER_NOT_AVAILABLE for a moment and kafkajs' admin does not retry that: retry it here.
 */
/** Runs `fn` again while it fails with an error kafkajs marks retriable (leader moves, metadata propagation). */
export async function retryRetriable<T>(fn: () => Promise<T>, attempts = 20): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await fn();
    } catch (error) {
      const retriable =
        typeof error === 'object' && error !== null && 'retriable' in error && error.retriable === true;
      if (!retriable || attempt >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.min(1_000, 50 * 2 ** attempt)));
    }
  }
}

export async function topicOffsets(
  admin: Admin,
  topic: string,
  attempts = 20,
): Promise<Array<{ partition: number; offset: string; high: string; low: string }>> {
  return retryRetriable(() => admin.fetchTopicOffsets(topic), attempts);
}
