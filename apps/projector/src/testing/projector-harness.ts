// Test harness: runs the BUILT projector as a child process against real Kafka, registry and Postgres.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { join } from 'node:path';
import {
  createKafka,
  ensureTopics,
  EventProducer,
  EventSerde,
  type Kafka,
  type PublishItem,
} from '@imageflow/messaging';
import type { ProjectableEvent } from '@imageflow/persistence';
import { PIPELINE_CONFIG_TYPES, pipelinesTopicKey } from '@imageflow/persistence/testing';
import { Client } from 'pg';

const repoRoot = join(__dirname, '..', '..', '..', '..');

/** Where the local stack listens (same variables and defaults as the app). */
export const testStack = {
  kafkaBrokers: (process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092').split(',').map((b) => b.trim()),
  schemaRegistryUrl: process.env['SCHEMA_REGISTRY_URL'] ?? 'http://127.0.0.1:8081/apis/ccompat/v7',
} as const;

/** A name no earlier run has used, so tests never see each other's topics, groups or databases. */
export const uniqueName = (prefix: string): string =>
  `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;

/** Polls `probe` until it returns a value, or fails after `timeoutMs`. */
export async function eventually<T>(
  probe: () => Promise<T | undefined>,
  timeoutMs = 30_000,
  everyMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
  throw new Error(`condition not met within ${timeoutMs} ms`);
}
export const PROJECTOR_MAIN = join(
  repoRoot,
  'dist',
  'apps',
  'projector',
  'apps',
  'projector',
  'src',
  'main.js',
);
export const serverUrl =
  process.env['DATABASE_URL'] ?? 'postgres://imageflow:imageflow@127.0.0.1:5432/imageflow';

export interface TestTopics {
  images: string;
  runEvents: string;
  pipelines: string;
  dlq: string;
}

export function uniqueTopics(prefix: string): TestTopics {
  const base = uniqueName(prefix);
  return {
    images: `${base}.images`,
    runEvents: `${base}.run-events`,
    pipelines: `${base}.pipelines`,
    dlq: `${base}.dlq`,
  };
}

export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  if (!address || typeof address === 'string') throw new Error('no port');
  return address.port;
}

export interface ProjectorProcess {
  child: ChildProcess;
  port: number;
  output: () => string;
  exited: Promise<number | null>;
}

export interface ProjectorEnv {
  databaseUrl: string;
  topics: TestTopics;
  groupId: string;
  name?: string;
}

/** Starts `node dist/.../main.js [command]` with the test's database, topics and group. */
export async function spawnProjector(
  env: ProjectorEnv,
  command: 'live' | 'rebuild' = 'live',
): Promise<ProjectorProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, [PROJECTOR_MAIN, command], {
    env: {
      ...process.env,
      DATABASE_URL: env.databaseUrl,
      KAFKA_BROKERS: testStack.kafkaBrokers.join(','),
      SCHEMA_REGISTRY_URL: testStack.schemaRegistryUrl,
      PROJECTOR_GROUP_ID: env.groupId,
      PROJECTOR_NAME: env.name ?? 'projector',
      PROJECTOR_IMAGES_TOPIC: env.topics.images,
      PROJECTOR_RUN_EVENTS_TOPIC: env.topics.runEvents,
      PROJECTOR_PIPELINES_TOPIC: env.topics.pipelines,
      PROJECTOR_DLQ_TOPIC: env.topics.dlq,
      METRICS_PORT: String(port),
      LOG_LEVEL: process.env['PROJECTOR_TEST_LOG_LEVEL'] ?? 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, port, output: () => output, exited };
}

export async function stopProjector(
  projector: ProjectorProcess,
  signal: NodeJS.Signals = 'SIGTERM',
): Promise<number | null> {
  if (projector.child.exitCode !== null || projector.child.signalCode !== null)
    return projector.child.exitCode;
  projector.child.kill(signal);
  return projector.exited;
}

export class EventWriter {
  readonly kafka: Kafka;
  readonly producer: EventProducer;

  constructor(readonly topics: TestTopics) {
    this.kafka = createKafka({ brokers: [...testStack.kafkaBrokers], clientId: 'projector-test' });
    this.producer = new EventProducer(
      this.kafka,
      new EventSerde({ registryUrl: testStack.schemaRegistryUrl }),
    );
  }

  async createTopics(partitions = 3): Promise<void> {
    await ensureTopics(
      this.kafka,
      Object.values(this.topics).map((topic) => ({ topic, numPartitions: partitions, replicationFactor: 1 })),
    );
  }

  /**
   * Captures to the images topic (key camera id), pipeline configuration to the pipelines topic (key pipeline id or
   * camera:<id> / line:<id>), everything else to run-events (key run id), in order.
   */
  async publish(events: ProjectableEvent[]): Promise<void> {
    const items = events.map((e): PublishItem => {
      if (e.type === 'ImageCaptured') {
        return {
          topic: this.topics.images,
          key: e.event.capture.cameraId,
          type: e.type,
          event: e.event,
        } as PublishItem;
      }
      if (PIPELINE_CONFIG_TYPES.has(e.type)) {
        return {
          topic: this.topics.pipelines,
          key: pipelinesTopicKey(e),
          type: e.type,
          event: e.event,
        } as PublishItem;
      }
      return {
        topic: this.topics.runEvents,
        key: e.event.envelope.runId ?? 'none',
        type: e.type,
        event: e.event,
      } as PublishItem;
    });
    for (let i = 0; i < items.length; i += 250) await this.producer.publishMany(items.slice(i, i + 250));
  }

  async sendRaw(
    topic: string,
    messages: { key: string; value: Buffer; headers?: Record<string, string> }[],
  ): Promise<void> {
    await this.producer.sendRaw(topic, messages);
  }

  /** High watermark of every non-empty partition of the test topics, keyed topic:partition. */
  async endOffsets(): Promise<Map<string, string>> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const ends = new Map<string, string>();
      for (const topic of Object.values(this.topics)) {
        for (const { partition, high, low } of await admin.fetchTopicOffsets(topic)) {
          if (BigInt(high) > BigInt(low)) ends.set(`${topic}:${partition}`, high);
        }
      }
      return ends;
    } finally {
      await admin.disconnect();
    }
  }

  async close(deleteGroups: string[] = []): Promise<void> {
    await this.producer.disconnect();
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      await admin.deleteGroups(deleteGroups).catch(() => undefined);
      await admin.deleteTopics({ topics: Object.values(this.topics) }).catch(() => undefined);
    } finally {
      await admin.disconnect();
    }
  }
}

export async function query<R extends object>(
  databaseUrl: string,
  text: string,
  values: unknown[] = [],
): Promise<R[]> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return (await client.query<R>(text, values)).rows;
  } finally {
    await client.end();
  }
}

/** Checkpoints of one database, keyed topic:partition (none if the tables are not there yet). */
export async function checkpoints(databaseUrl: string, name = 'projector'): Promise<Map<string, string>> {
  const rows = await query<{ topic: string; partition: number; next_offset: string }>(
    databaseUrl,
    `SELECT topic, "partition", next_offset FROM projector_checkpoints WHERE consumer = $1`,
    [name],
  ).catch(() => []);
  return new Map(rows.map((r) => [`${r.topic}:${r.partition}`, r.next_offset]));
}

/** Resolves once the database's checkpoints reach the current end of every test topic partition. */
export async function waitCaughtUp(
  writer: EventWriter,
  databaseUrl: string,
  timeoutMs = 60_000,
  projector?: ProjectorProcess,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    const ends = await writer.endOffsets();
    const saved = await checkpoints(databaseUrl);
    if ([...ends].every(([key, end]) => saved.get(key) === end)) return;
    last = JSON.stringify({ ends: Object.fromEntries(ends), saved: Object.fromEntries(saved) });
    if (projector && projector.child.exitCode !== null) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(
    `projector did not catch up within ${timeoutMs} ms: ${last}\n${projector?.output().slice(-4000) ?? ''}`,
  );
}
