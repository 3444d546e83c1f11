// Across apps: the gateway (in-process) and the BUILT projector (child process, `nx run projector:build` runs first
// through this project's test-e2e dependsOn) on one scratch database and unique topics. An image sent over HTTP
// becomes visible through REST only by way of Kafka and the projector.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { uniqueName } from '@imageflow/messaging/testing';
import { sha256Hex } from '@imageflow/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type GatewayHarness } from './testing/gateway-harness';
import { randomImage } from './testing/test-images';

const PROJECTOR_MAIN = join(
  __dirname,
  '..',
  '..',
  '..',
  'dist',
  'apps',
  'projector',
  'apps',
  'projector',
  'src',
  'main.js',
);

/** A port nothing listens on right now (the projector wants a fixed METRICS_PORT). */
async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  return port;
}

async function eventually<T>(
  probe: () => Promise<T | undefined>,
  what: string,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${what}: not within ${timeoutMs} ms`);
}

describe('ingest → Kafka → projector → REST', () => {
  let gw: GatewayHarness;
  let projector: ChildProcess;
  let projectorOutput = '';
  const topicBase = uniqueName('e2e.gateway');

  beforeAll(async () => {
    gw = await startGateway();
    projector = spawn(process.execPath, [PROJECTOR_MAIN], {
      env: {
        ...process.env,
        DATABASE_URL: gw.config.DATABASE_URL,
        KAFKA_BROKERS: gw.config.KAFKA_BROKERS.join(','),
        SCHEMA_REGISTRY_URL: gw.config.SCHEMA_REGISTRY_URL,
        PROJECTOR_GROUP_ID: `${topicBase}.projector`,
        PROJECTOR_IMAGES_TOPIC: gw.config.IMAGES_TOPIC,
        PROJECTOR_RUN_EVENTS_TOPIC: `${topicBase}.run-events`,
        PROJECTOR_DLQ_TOPIC: `${topicBase}.dlq`,
        METRICS_PORT: String(await freePort()),
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    projector.stdout?.on('data', (chunk: Buffer) => (projectorOutput += chunk.toString()));
    projector.stderr?.on('data', (chunk: Buffer) => (projectorOutput += chunk.toString()));
  });

  afterAll(async () => {
    if (projector && projector.exitCode === null) {
      projector.kill('SIGTERM');
      await new Promise((resolve) => projector.once('exit', resolve));
    }
    const admin = gw.kafka.admin();
    await admin.connect();
    const mine = (await admin.listTopics()).filter((t) => t.startsWith(topicBase));
    if (mine.length) await admin.deleteTopics({ topics: mine }).catch(() => undefined);
    await admin.deleteGroups([`${topicBase}.projector`, `${topicBase}.projector-dlq`]).catch(() => undefined);
    await admin.disconnect();
    await gw?.close();
  });

  it('an image sent over HTTP is served by GET /api/v1/images/:id once projected; a resend stays one capture', async () => {
    const cameraId = uniqueName('cam-e2e');
    const png = await randomImage('png', 48, 32);
    const imageId = sha256Hex(png);
    const created = await gw.request(`/api/v1/images?cameraId=${cameraId}&lot=LOT-E2E`, {
      method: 'POST',
      body: png,
      headers: { 'content-type': 'image/png' },
    });
    expect(created.status).toBe(201);
    const { eventId } = (await created.json()) as { eventId: string };

    const image = await eventually(async () => {
      if (projector.exitCode !== null)
        throw new Error(`projector exited ${projector.exitCode}:\n${projectorOutput}`);
      const response = await gw.request(`/api/v1/images/${imageId}`);
      return response.status === 200 ? ((await response.json()) as Record<string, unknown>) : undefined;
    }, 'image visible through REST');
    expect(image).toMatchObject({
      id: imageId,
      cameraId,
      lot: 'LOT-E2E',
      width: 48,
      height: 32,
      size: png.length,
      captureCount: 1,
    });

    const again = await gw.request(`/api/v1/images?cameraId=${cameraId}`, {
      method: 'POST',
      body: png,
      headers: { 'content-type': 'image/png' },
    });
    expect(again.status).toBe(200);
    expect(((await again.json()) as { eventId: string }).eventId).toBe(eventId);
    expect(await gw.countImageEvents()).toBe(1);
    const { rows } = await gw.db.query<{ count: string }>(
      `SELECT count(*) FROM event_log WHERE image_id = $1`,
      [imageId],
    );
    expect(Number(rows[0]?.count)).toBe(1);
  });
});
