// The real server, in-process on ephemeral ports, called by the generated grpc-js client: no mocks.
import Ajv from 'ajv';
import { credentials, makeClientConstructor, Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { service as healthService } from 'grpc-health-check';
import { computeV1 } from '@imageflow/contracts/grpc';
import { createLogger, createMetricsRegistry } from '@imageflow/observability';
import {
  decodeForTest,
  encodeRaster,
  imageInput,
  outputOf,
  rasterOf,
  testCard,
} from '@imageflow/image-ops/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeImageConfigSchema } from './compute-image.config';
import { startComputeImage, type RunningComputeImage } from './compute-image.server';
import { ERROR_CODE_TRAILER } from './grpc/status-mapping';

const MiB = 1024 * 1024;
const config = computeImageConfigSchema.parse({
  COMPUTE_IMAGE_PORT: '0',
  COMPUTE_IMAGE_METRICS_PORT: '0',
  COMPUTE_IMAGE_MAX_INPUT_PIXELS: String(4000 * 4000),
  COMPUTE_IMAGE_MAX_CONCURRENT: '1',
  COMPUTE_IMAGE_MAX_QUEUED: '1',
});

let server: RunningComputeImage;
let client: computeV1.ComputeServiceClient;

const apply = (request: Partial<computeV1.ApplyRequest>, deadlineMs = 20_000) =>
  new Promise<computeV1.ApplyResponse>((resolve, reject) =>
    client.apply(
      computeV1.ApplyRequest.fromPartial(request),
      new Metadata(),
      { deadline: Date.now() + deadlineMs },
      (error, response) => (error ? reject(error) : resolve(response)),
    ),
  );
const failureOf = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (error: ServiceError) => error,
  );

beforeAll(async () => {
  server = await startComputeImage(config, {
    logger: createLogger('compute-image-test', 'warn'),
    registry: createMetricsRegistry('compute-image-test'),
  });
  client = new computeV1.ComputeServiceClient(server.address, credentials.createInsecure(), {
    'grpc.max_send_message_length': 128 * MiB,
    'grpc.max_receive_message_length': 128 * MiB,
  });
});

afterAll(async () => {
  client?.close();
  await server?.shutdown();
});

describe('compute-image over gRPC', () => {
  it('answers the standard health check with SERVING', async () => {
    // grpc-health-check ships the service definition; its client is the generic grpc-js one.
    type HealthClient = {
      check(
        request: { service: string },
        callback: (error: ServiceError | null, response: { status: string }) => void,
      ): void;
      close(): void;
    };
    const Health = makeClientConstructor(healthService, 'grpc.health.v1.Health');
    const health = new Health(server.address, credentials.createInsecure()) as unknown as HealthClient;
    const check = (service: string) =>
      new Promise<{ status: string }>((resolve, reject) =>
        health.check({ service }, (error, response) => (error ? reject(error) : resolve(response))),
      );
    expect((await check('')).status).toBe('SERVING');
    expect((await check('imageflow.compute.v1.ComputeService')).status).toBe('SERVING');
    health.close();
  });

  it('describes every part with ports and a JSON Schema that compiles', async () => {
    const catalog = await new Promise<computeV1.DescribeResponse>((resolve, reject) =>
      client.describe({}, (error, response) => (error ? reject(error) : resolve(response))),
    );
    expect(catalog.service).toBe('compute-image');
    expect(catalog.parts.length).toBeGreaterThanOrEqual(18);
    const ajv = new Ajv({ strict: false, discriminator: true });
    for (const part of catalog.parts) {
      expect(part.stageKind).toBe('image');
      expect(part.titleJa.length).toBeGreaterThan(0);
      expect(() => ajv.compile(JSON.parse(part.parametersSchemaJson) as object)).not.toThrow();
    }
    const resize = catalog.parts.find((p) => p.id === 'pre.resize');
    expect(resize?.inputs).toEqual([
      { name: 'image', kind: computeV1.PortKind.IMAGE, required: true, titleEn: 'Image', titleJa: '画像' },
    ]);
  });

  it('resizes a real 1920×1080 JPEG to 640 wide: 640×360, with timings', async () => {
    const jpeg = await testCard(1920, 1080, 'jpeg');
    const response = await apply({
      partId: 'pre.resize',
      parametersJson: '{"width":640}',
      inputs: [imageInput('image', jpeg)],
    });
    const image = outputOf(response, 'image', 'image');
    expect([image.width, image.height, image.contentType]).toEqual([640, 360, 'image/jpeg']);
    const decoded = await decodeForTest(image.data);
    expect([decoded.width, decoded.height]).toEqual([640, 360]);
    expect(response.timings?.totalMs).toBeGreaterThan(0);
    expect(response.timings?.decodeMs).toBeGreaterThan(0);
  });

  it('refuses corrupt bytes with INVALID_ARGUMENT and a readable reason, then keeps serving', async () => {
    const error = await failureOf(
      apply({ partId: 'pre.blur', inputs: [imageInput('image', Buffer.from('this is not a JPEG at all'))] }),
    );
    expect(error.code).toBe(status.INVALID_ARGUMENT);
    expect(error.details).toMatch(/^input "image": not a decodable image/);
    expect(error.metadata.get(ERROR_CODE_TRAILER)).toEqual(['CORRUPT_IMAGE']);

    const response = await apply({
      partId: 'pre.grayscale',
      inputs: [imageInput('image', await testCard(64, 48, 'png'))],
    });
    expect(outputOf(response, 'image', 'image')).toMatchObject({ width: 64, height: 48 });
  });

  it('maps bad parameters, unknown parts, oversized images and oversized messages to their status codes', async () => {
    const png = await testCard(32, 32, 'png');
    const params = await failureOf(
      apply({ partId: 'pre.resize', parametersJson: '{"width":"wide"}', inputs: [imageInput('image', png)] }),
    );
    expect([params.code, params.details]).toEqual([
      status.INVALID_ARGUMENT,
      'pre.resize: invalid parameters: width: must be integer',
    ]);

    const unknown = await failureOf(apply({ partId: 'pre.teleport', inputs: [imageInput('image', png)] }));
    expect([unknown.code, unknown.details]).toEqual([status.NOT_FOUND, 'unknown part "pre.teleport"']);

    const bomb = await encodeRaster(
      rasterOf(5000, 5000, 1, () => [0]),
      'png',
    );
    const tooLarge = await failureOf(apply({ partId: 'pre.blur', inputs: [imageInput('image', bomb)] }));
    expect(tooLarge.code).toBe(status.RESOURCE_EXHAUSTED);
    expect(tooLarge.details).toContain('5000×5000 = 25000000 pixels is over the limit of 16000000 pixels');
    expect(tooLarge.metadata.get(ERROR_CODE_TRAILER)).toEqual(['IMAGE_TOO_LARGE']);

    // Over the 64 MiB message limit: refused by the transport before any decoding.
    const huge = await failureOf(
      apply({ partId: 'pre.blur', inputs: [imageInput('image', Buffer.alloc(65 * MiB))] }),
    );
    expect(huge.code).toBe(status.RESOURCE_EXHAUSTED);

    expect((await apply({ partId: 'pre.flip', inputs: [imageInput('image', png)] })).outputs).toHaveLength(1);
  });

  it('queues beyond its concurrency, refuses beyond its queue with RESOURCE_EXHAUSTED, and keeps serving', async () => {
    const jpeg = await testCard(1920, 1080, 'jpeg');
    const slow = () =>
      apply({ partId: 'pre.blur', parametersJson: '{"sigma":25}', inputs: [imageInput('image', jpeg)] });
    const results = await Promise.allSettled([slow(), slow(), slow(), slow()]);
    const refused = results
      .filter((r) => r.status === 'rejected')
      .map((r) => (r as PromiseRejectedResult).reason as ServiceError);
    // One computing and one queued (the configured bounds) always succeed.
    expect(results.filter((r) => r.status === 'fulfilled').length).toBeGreaterThanOrEqual(2);
    expect(refused.length).toBeGreaterThanOrEqual(1);
    for (const error of refused) {
      expect(error.code).toBe(status.RESOURCE_EXHAUSTED);
      expect(error.details).toContain('saturated');
    }
    expect((await slow()).outputs).toHaveLength(1);
  });

  it('exports gRPC latency by method and code on /metrics', async () => {
    const text = await (await fetch(`http://127.0.0.1:${server.metricsPort}/metrics`)).text();
    expect(text).toMatch(
      /grpc_server_handling_seconds_count\{[^}]*grpc_method="Apply"[^}]*grpc_code="OK"[^}]*\} [1-9]/,
    );
    expect(text).toMatch(
      /grpc_server_handled_total\{[^}]*grpc_method="Apply"[^}]*grpc_code="INVALID_ARGUMENT"[^}]*\} [1-9]/,
    );
    expect(text).toMatch(/grpc_server_handled_total\{[^}]*grpc_method="Describe"[^}]*grpc_code="OK"/);
    expect(text).toMatch(
      /imageflow_compute_apply_phase_seconds_count\{[^}]*part="pre.resize"[^}]*phase="decode"/,
    );
    expect((await fetch(`http://127.0.0.1:${server.metricsPort}/healthz`)).status).toBe(200);
  });
});
