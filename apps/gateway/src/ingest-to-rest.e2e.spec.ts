// Across apps: the gateway (in-process), the BUILT projector and compute-image (child processes; their builds run first
// through this project's test-e2e dependsOn) on one scratch database and unique topics. An image sent over HTTP, and a
// pipeline saved, activated and bound over HTTP, become visible through REST only by way of Kafka and the projector.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { uniqueName } from '@imageflow/messaging/testing';
import { sha256Hex } from '@imageflow/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PartsCatalog } from './parts/parts.schemas';
import { startCompute, type RunningCompute } from './testing/compute-services';
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
  let computeImage: RunningCompute;
  let projectorOutput = '';
  const topicBase = uniqueName('e2e.gateway');

  beforeAll(async () => {
    computeImage = await startCompute('compute-image');
    gw = await startGateway({ COMPUTE_ADDRESSES: computeImage.address });
    projector = spawn(process.execPath, [PROJECTOR_MAIN], {
      env: {
        ...process.env,
        DATABASE_URL: gw.config.DATABASE_URL,
        KAFKA_BROKERS: gw.config.KAFKA_BROKERS.join(','),
        SCHEMA_REGISTRY_URL: gw.config.SCHEMA_REGISTRY_URL,
        PROJECTOR_GROUP_ID: `${topicBase}.projector`,
        PROJECTOR_IMAGES_TOPIC: gw.config.IMAGES_TOPIC,
        PROJECTOR_PIPELINES_TOPIC: gw.config.PIPELINES_TOPIC,
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
    await computeImage?.stop();
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

  it('a pipeline saved, activated and bound over HTTP is served by the pipelines and bindings endpoints once projected', async () => {
    const catalog = (await (await gw.request('/api/v1/parts')).json()) as PartsCatalog;
    const resize = catalog.parts.find((p) => p.id === 'pre.resize');
    expect(resize).toBeDefined();
    const definition = {
      nodes: [
        { id: 'resize', part: { id: 'pre.resize', version: resize?.version }, parameters: { width: 640 } },
      ],
      edges: [{ from: { node: 'source', port: 'image' }, to: { node: 'resize', port: 'image' } }],
    };
    const json = (method: string, body?: unknown): RequestInit => ({
      method,
      headers: { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const created = await gw.request('/api/v1/pipelines', json('POST', { name: 'e2e resize', definition }));
    expect(created.status).toBe(201);
    const { pipelineId, version } = (await created.json()) as { pipelineId: string; version: string };
    const visible = (
      path: string,
      what: string,
      ready: (body: Record<string, unknown>) => boolean = () => true,
    ) =>
      eventually(async () => {
        if (projector.exitCode !== null)
          throw new Error(`projector exited ${projector.exitCode}:\n${projectorOutput}`);
        const response = await gw.request(path);
        if (response.status !== 200) return undefined;
        const body = (await response.json()) as Record<string, unknown>;
        return ready(body) ? body : undefined;
      }, what);

    await visible(`/api/v1/pipelines/${pipelineId}/versions/${version}`, 'version visible through REST');
    expect(
      (await gw.request(`/api/v1/pipelines/${pipelineId}/versions/${version}/activate`, json('POST'))).status,
    ).toBe(202);
    const cameraId = uniqueName('cam-e2e-bound');
    expect(
      (await gw.request(`/api/v1/bindings/camera/${cameraId}`, json('PUT', { pipelineId }))).status,
    ).toBe(202);

    const pipeline = await visible(
      `/api/v1/pipelines/${pipelineId}`,
      'activation and binding visible through REST',
      (body) => (body['bindings'] as unknown[]).length === 1 && body['activeVersion'] !== null,
    );
    expect(pipeline).toMatchObject({
      name: 'e2e resize',
      versionCount: 1,
      activeVersion: { version },
      bindings: [{ targetKind: 'CAMERA', targetId: cameraId, pipelineId }],
    });
  });
});
