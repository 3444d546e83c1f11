// Starts the real gateway in-process on an ephemeral port, against the local stack, with names no other
// test uses: a scratch database, unique raw-images and models buckets and images topic, a temporary admin key file.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKafka, type Kafka } from '@imageflow/messaging';
import { uniqueName } from '@imageflow/messaging/testing';
import { createLogger } from '@imageflow/observability';
import { createPool, type Pool } from '@imageflow/persistence';
import { createScratchDatabase, type ScratchDatabase } from '@imageflow/persistence/testing';
import { ObjectStore } from '@imageflow/storage';
import { testObjectStoreConfig, uniqueBucketName } from '@imageflow/storage/testing';
import { createGatewayApp, type GatewayApp } from '../app.factory';
import { loadGatewayConfig, type GatewayConfig } from '../config/gateway.config';

export interface GatewayHarness {
  baseUrl: string;
  config: GatewayConfig;
  adminKey: string;
  gateway: GatewayApp;
  kafka: Kafka;
  store: ObjectStore;
  /** A pool on the scratch database the gateway uses. */
  db: Pool;
  /** Total messages on the harness's images topic (sum of the partitions' high watermarks). */
  countImageEvents(): Promise<number>;
  /** fetch against the gateway with a bearer key (or none). */
  request(path: string, init?: RequestInit & { key?: string | null }): Promise<Response>;
  close(): Promise<void>;
}

async function removeTopic(brokers: string[], topic: string): Promise<void> {
  const admin = createKafka({ brokers, clientId: 'gateway-it-cleanup' }).admin();
  await admin.connect();
  try {
    if ((await admin.listTopics()).includes(topic)) await admin.deleteTopics({ topics: [topic] });
  } finally {
    await admin.disconnect();
  }
}

export async function startGateway(env: Record<string, string> = {}): Promise<GatewayHarness> {
  const database: ScratchDatabase = await createScratchDatabase(
    process.env['DATABASE_URL'] ?? 'postgres://imageflow:imageflow@127.0.0.1:5432/imageflow',
    'gateway_it',
  );
  const keyDir = await mkdtemp(join(tmpdir(), 'gateway-it-'));
  const config = loadGatewayConfig({
    ...process.env,
    DATABASE_URL: database.url,
    IMAGES_TOPIC: uniqueName('it.gateway.images'),
    PIPELINES_TOPIC: uniqueName('it.gateway.pipelines'),
    RAW_IMAGES_BUCKET: uniqueBucketName('it-gw-raw'),
    MODELS_BUCKET: uniqueBucketName('it-gw-models'),
    ADMIN_KEY_FILE: join(keyDir, 'admin-key'),
    LOG_LEVEL: process.env['GATEWAY_TEST_LOG'] ?? 'silent',
    ...env,
  });
  let gateway: GatewayApp;
  try {
    gateway = await createGatewayApp(config, createLogger('gateway-it', config.LOG_LEVEL));
    await gateway.app.listen(0, '127.0.0.1');
  } catch (error) {
    // Leave nothing behind when the app does not start (the bucket and topic may already exist).
    const store = new ObjectStore(testObjectStoreConfig());
    await store.removeBucketWithObjects(config.RAW_IMAGES_BUCKET).catch(() => undefined);
    await store.removeBucketWithObjects(config.MODELS_BUCKET).catch(() => undefined);
    await removeTopic(config.KAFKA_BROKERS, config.IMAGES_TOPIC).catch(() => undefined);
    await removeTopic(config.KAFKA_BROKERS, config.PIPELINES_TOPIC).catch(() => undefined);
    await database.drop().catch(() => undefined);
    await rm(keyDir, { recursive: true, force: true });
    throw error;
  }
  const address = gateway.app.getHttpServer().address() as { port: number };
  const baseUrl = `http://127.0.0.1:${address.port}`;
  const adminKey = (await readFile(config.ADMIN_KEY_FILE, 'utf8')).trim();
  const kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: 'gateway-it' });
  const admin = kafka.admin();
  await admin.connect();
  const store = new ObjectStore(testObjectStoreConfig());
  const db = createPool({ databaseUrl: database.url, applicationName: 'gateway-it', max: 2 });

  return {
    baseUrl,
    config,
    adminKey,
    gateway,
    kafka,
    store,
    db,
    async countImageEvents() {
      const offsets = await admin.fetchTopicOffsets(config.IMAGES_TOPIC);
      return offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
    },
    request(path, init = {}) {
      const { key = adminKey, headers, ...rest } = init;
      return fetch(`${baseUrl}${path}`, {
        ...rest,
        headers: {
          ...(key ? { authorization: `Bearer ${key}` } : {}),
          ...(headers as Record<string, string> | undefined),
        },
      });
    },
    async close() {
      await gateway.app.close();
      await db.end();
      const topics = (await admin.listTopics()).filter(
        (t) => t === config.IMAGES_TOPIC || t === config.PIPELINES_TOPIC,
      );
      if (topics.length) await admin.deleteTopics({ topics }).catch(() => undefined);
      await admin.disconnect();
      await store.removeBucketWithObjects(config.RAW_IMAGES_BUCKET);
      await store.removeBucketWithObjects(config.MODELS_BUCKET);
      await database.drop();
      await rm(keyDir, { recursive: true, force: true });
    },
  };
}
