// OpenAPI, liveness, readiness and metrics of the real gateway.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type GatewayHarness } from '../testing/gateway-harness';
import { randomImage } from '../testing/test-images';

interface OpenApi {
  openapi: string;
  paths: Record<string, Record<string, { security?: unknown[]; responses: Record<string, unknown> }>>;
  components: {
    securitySchemes: Record<string, { type: string; scheme: string }>;
    schemas: Record<string, unknown>;
  };
}

describe('health, readiness, metrics and OpenAPI', () => {
  let gw: GatewayHarness;

  beforeAll(async () => {
    gw = await startGateway();
  });

  afterAll(async () => {
    await gw?.close();
  });

  it('serves the OpenAPI document without a key, listing every route, the bearer scheme and the DTO schemas', async () => {
    const response = await gw.request('/api/openapi.json', { key: null });
    expect(response.status).toBe(200);
    const doc = (await response.json()) as OpenApi;
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths).sort()).toEqual(
      [
        '/api/v1/api-keys',
        '/api/v1/api-keys/{id}',
        '/api/v1/dlq',
        '/api/v1/dlq/{id}/redrive',
        '/api/v1/images',
        '/api/v1/images/{id}',
        '/api/v1/parts',
        '/api/v1/models',
        '/api/v1/models/{id}',
        '/api/v1/pipelines',
        '/api/v1/pipelines/{id}',
        '/api/v1/pipelines/{id}/versions',
        '/api/v1/pipelines/{id}/versions/{version}',
        '/api/v1/pipelines/{id}/versions/{version}/activate',
        '/api/v1/pipelines/{id}/operations',
        '/api/v1/bindings',
        '/api/v1/bindings/{kind}/{id}',
        '/api/v1/replays',
        '/api/v1/replays/{id}',
        '/api/v1/replays/{id}/cancel',
        '/api/v1/replays/{id}/compare',
        '/api/v1/runs',
        '/api/v1/runs/{id}',
        '/healthz',
        '/metrics',
        '/readyz',
      ].sort(),
    );
    expect(Object.keys(doc.paths['/api/v1/images'] ?? {})).toEqual(['post']);
    expect(doc.paths['/api/v1/runs']?.['get']?.security).toEqual([{ bearer: [] }]);
    expect(doc.paths['/healthz']?.['get']?.security).toBeUndefined();
    expect(doc.components.securitySchemes['bearer']).toMatchObject({ type: 'http', scheme: 'bearer' });
    for (const name of [
      'IngestResult',
      'Image',
      'RunPage',
      'RunDetails',
      'DeadLetterPage',
      'CreatedApiKey',
      'Error',
      'Readiness',
      'PartsCatalog',
      'ModelList',
      'ModelPublished',
      'VersionCreated',
      'InvalidPipelineDefinition',
      'PipelineDetails',
      'BindingList',
      'RunRequested',
      'PipelineOperations',
    ]) {
      expect(doc.components.schemas, name).toHaveProperty(name);
    }
    expect(Object.keys(doc.paths['/api/v1/images']?.['post']?.responses ?? {})).toEqual(
      expect.arrayContaining(['200', '201', '400', '413', '415', '429']),
    );
  });

  it('healthz answers without a key', async () => {
    const response = await gw.request('/healthz', { key: null });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('readyz reports Kafka, Postgres, S3 and the schema registry one by one', async () => {
    const response = await gw.request('/readyz', { key: null });
    expect(response.status).toBe(200);
    const body = (await response.json()) as {
      status: string;
      checks: Record<string, { ok: boolean; latencyMs: number }>;
    };
    expect(body.status).toBe('ready');
    expect(Object.keys(body.checks).sort()).toEqual(['kafka', 'postgres', 's3', 'schemaRegistry']);
    for (const check of Object.values(body.checks))
      expect(check).toMatchObject({ ok: true, latencyMs: expect.any(Number) });
  });

  it('readyz answers 503 naming the dependency that is down', async () => {
    // Same stack, but the object store points at a port where nothing listens.
    const broken = await startGateway({
      S3_ENDPOINT: 'http://127.0.0.1:9',
      ENSURE_INFRASTRUCTURE: 'false',
      READY_TIMEOUT_MS: '1500',
    });
    try {
      const response = await broken.request('/readyz', { key: null });
      expect(response.status).toBe(503);
      const body = (await response.json()) as {
        status: string;
        checks: Record<string, { ok: boolean; error?: string }>;
      };
      expect(body.status).toBe('not ready');
      expect(body.checks['s3']?.ok).toBe(false);
      expect(body.checks['s3']?.error).toBeTruthy();
      expect(body.checks['kafka']?.ok).toBe(true);
      expect(body.checks['postgres']?.ok).toBe(true);
      expect(body.checks['schemaRegistry']?.ok).toBe(true);
    } finally {
      await broken.close().catch(() => undefined);
    }
  });

  it('exposes Prometheus metrics with request durations by route template and status', async () => {
    await gw.request('/api/v1/runs/does-not-exist');
    const response = await gw.request('/metrics', { key: null });
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await response.text();
    expect(text).toMatch(
      /imageflow_http_request_duration_seconds_count\{[^}]*method="GET",route="\/api\/v1\/runs\/:id",status="404"[^}]*\} 1/,
    );
    expect(text).toContain('process_cpu_user_seconds_total');
  });

  it('answers unknown routes with the JSON error shape', async () => {
    const response = await gw.request('/api/v1/nope');
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ statusCode: 404, error: 'Not Found' });
  });

  it('shuts down gracefully: an ingest in flight finishes (stored and produced) before the producer and pool close', async () => {
    const closing = await startGateway();
    try {
      const png = await randomImage('png', 20, 20);
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      const body = new ReadableStream<Uint8Array>({
        async start(controller) {
          controller.enqueue(png.subarray(0, 16));
          await gate;
          controller.enqueue(png.subarray(16));
          controller.close();
        },
      });
      const pending = closing.request('/api/v1/images?cameraId=cam-shutdown', {
        method: 'POST',
        body,
        headers: { 'content-type': 'image/png' },
        duplex: 'half',
      } as RequestInit & { duplex: 'half' });
      await new Promise((resolve) => setTimeout(resolve, 300));
      const shutdown = closing.gateway.app.close();
      await new Promise((resolve) => setTimeout(resolve, 300));
      release();
      const response = await pending;
      expect(response.status).toBe(201);
      await shutdown;
      expect(await closing.countImageEvents()).toBe(1);
      await expect(fetch(`${closing.baseUrl}/healthz`)).rejects.toThrow();
    } finally {
      await closing.close();
    }
  });
});
