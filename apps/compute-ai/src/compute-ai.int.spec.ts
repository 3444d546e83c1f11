// The real server in process (ephemeral ports), real onnxruntime sessions, models published by the real tool to
// a fresh bucket on the stack's S3, called with the generated grpc-js client: no mocks.
import { readFile } from 'node:fs/promises';
import { credentials, makeClientConstructor, Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { service as healthService } from 'grpc-health-check';
import { computeV1 } from '@imageflow/contracts/grpc';
import {
  MODELS,
  photo,
  publishModel,
  removeBucket,
  renderLabel,
  requireModel,
  uniqueBucket,
} from '@imageflow/inference/testing';
import { createLogger, createMetricsRegistry } from '@imageflow/observability';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadComputeAiConfig } from './compute-ai.config';
import { startComputeAi, type RunningComputeAi } from './compute-ai.server';
import { ERROR_CODE_TRAILER } from './grpc/status-mapping';

const bucket = uniqueBucket('test-compute-ai');
const config = loadComputeAiConfig({
  ...process.env,
  COMPUTE_AI_PORT: '0',
  COMPUTE_AI_METRICS_PORT: '0',
  MODELS_BUCKET: bucket,
  COMPUTE_AI_MODEL_REFRESH_MS: '200',
  COMPUTE_AI_INTRA_OP_THREADS: '1',
  COMPUTE_AI_BATCH_MAX_SIZE: '8',
  COMPUTE_AI_BATCH_MAX_DELAY_MS: '50',
});

let server: RunningComputeAi;
let client: computeV1.ComputeServiceClient;

const imageInput = (data: Buffer, port = 'image'): computeV1.PortValue => ({
  port,
  kind: computeV1.PortKind.IMAGE,
  value: { $case: 'image', value: { data, contentType: '', width: 0, height: 0 } },
});
const apply = (partId: string, inputs: computeV1.PortValue[], parameters: object = {}) =>
  new Promise<computeV1.ApplyResponse>((resolve, reject) =>
    client.apply(
      computeV1.ApplyRequest.fromPartial({ partId, parametersJson: JSON.stringify(parameters), inputs }),
      new Metadata(),
      { deadline: Date.now() + 30_000 },
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
const output = (response: computeV1.ApplyResponse, port: string) => {
  const value = response.outputs.find((o) => o.port === port)?.value;
  if (!value) throw new Error(`no output ${port}`);
  return value;
};
const detections = (response: computeV1.ApplyResponse) => {
  const value = output(response, 'detections');
  return value.$case === 'detections' ? value.value.items : [];
};
const text = (response: computeV1.ApplyResponse, port = 'text') => {
  const value = output(response, port);
  return value.$case === 'text' ? value.value : undefined;
};

beforeAll(async () => {
  const env = { MODELS_BUCKET: bucket };
  for (const m of Object.values(MODELS)) await publishModel(requireModel(m.id, m.version), { bucket, env });
  server = await startComputeAi(config, {
    logger: createLogger('compute-ai-test', 'warn'),
    registry: createMetricsRegistry('compute-ai-test'),
  });
  client = new computeV1.ComputeServiceClient(server.address, credentials.createInsecure());
});

afterAll(async () => {
  client?.close();
  await server?.shutdown();
  await removeBucket(bucket);
});

describe('compute-ai over gRPC', () => {
  it('answers the standard health check with SERVING', async () => {
    type HealthClient = {
      check(req: { service: string }, cb: (e: ServiceError | null, r: { status: string }) => void): void;
      close(): void;
    };
    const Health = makeClientConstructor(healthService, 'grpc.health.v1.Health');
    const health = new Health(server.address, credentials.createInsecure()) as unknown as HealthClient;
    for (const service of ['', 'imageflow.compute.v1.ComputeService']) {
      const response = await new Promise<{ status: string }>((resolve, reject) =>
        health.check({ service }, (error, r) => (error ? reject(error) : resolve(r))),
      );
      expect(response.status).toBe('SERVING');
    }
    health.close();
  });

  it('describes its parts with typed ports and parameter schemas', async () => {
    const catalog = await new Promise<computeV1.DescribeResponse>((resolve, reject) =>
      client.describe({}, (e, r) => (e ? reject(e) : resolve(r))),
    );
    expect(catalog.service).toBe('compute-ai');
    expect(catalog.parts.map((p) => p.id)).toEqual([
      'ai.detect',
      'ai.classify',
      'ai.ocr-detect',
      'ai.ocr-recognize',
      'ai.ocr',
    ]);
    for (const part of catalog.parts) {
      expect(part.category).toBe(computeV1.Category.AI);
      expect(part.stageKind).toBe('ai');
      expect(part.inputs[0]).toMatchObject({ name: 'image', kind: computeV1.PortKind.IMAGE, required: true });
      const schema = JSON.parse(part.parametersSchemaJson) as { type: string; additionalProperties: boolean };
      expect(schema).toMatchObject({ type: 'object', additionalProperties: false });
    }
  });

  it('OCR reads the serial number on a rendered label exactly', async () => {
    const label = await renderLabel(['SN-20261128-0042']);
    const response = await apply('ai.ocr', [imageInput(label)]);
    expect(text(response)).toBe('SN-20261128-0042');
    expect(detections(response).map((d) => d.text)).toEqual(['SN-20261128-0042']);
    expect(text(response, 'model')).toBe('ppocr-v4-det@4.0.0+ppocr-v4-rec@4.0.0');
    expect(response.timings?.computeMs).toBeGreaterThan(0);
  });

  it('chains text detection into text recognition (two parts, as on the canvas)', async () => {
    const label = await renderLabel(['LOT-A7-3391', 'SN-20261128-0042'], { format: 'jpeg' });
    const regions = detections(await apply('ai.ocr-detect', [imageInput(label)]));
    expect(regions).toHaveLength(2);
    expect(regions.every((r) => r.label === 'text' && r.width > 0)).toBe(true);
    const read = await apply('ai.ocr-recognize', [
      imageInput(label),
      {
        port: 'detections',
        kind: computeV1.PortKind.DETECTIONS,
        value: { $case: 'detections', value: { items: regions } },
      },
    ]);
    expect(detections(read).map((d) => d.text)).toEqual(['LOT-A7-3391', 'SN-20261128-0042']);
    expect(text(read)).toBe('LOT-A7-3391\nSN-20261128-0042');
  });

  it('detects a cup in a real photo (nanodet-m-coco on skimage coffee.png)', async () => {
    const response = await apply('ai.detect', [imageInput(await readFile(photo('coffee.png')))], {
      model: 'nanodet-m-coco',
    });
    const [top] = detections(response);
    expect(top).toMatchObject({ label: 'cup', classId: 41 });
    expect(top?.score).toBeGreaterThan(0.35);
    expect(text(response, 'model')).toBe('nanodet-m-coco@1.0.0');
  });

  it('classifies text-line orientation (ppocr-mobile-v2-cls)', async () => {
    const line = await renderLabel(['SN-20261128-0042'], { tight: true, rotate180: true });
    const response = await apply('ai.classify', [imageInput(line)], { topK: 2 });
    expect(text(response)).toBe('180');
    expect(detections(response)).toHaveLength(2);
  });

  it('an unknown model is NOT_FOUND with a clear message, and the service keeps serving', async () => {
    const photoBytes = await readFile(photo('astronaut.png'));
    const error = await failureOf(apply('ai.detect', [imageInput(photoBytes)], { model: 'no-such-model' }));
    expect(error.code).toBe(status.NOT_FOUND);
    expect(error.details).toMatch(/unknown model "no-such-model"/);
    expect(error.metadata.get(ERROR_CODE_TRAILER)).toEqual(['UNKNOWN_MODEL']);
    const ok = await apply('ai.detect', [imageInput(photoBytes)]);
    expect(detections(ok)[0]?.label).toBe('person');
  });

  it('a corrupt image is INVALID_ARGUMENT with a clear message', async () => {
    const error = await failureOf(apply('ai.detect', [imageInput(Buffer.from('GIF89a but not really'))]));
    expect(error.code).toBe(status.INVALID_ARGUMENT);
    expect(error.details).toMatch(/image cannot be decoded/);
    expect(error.metadata.get(ERROR_CODE_TRAILER)).toEqual(['CORRUPT_IMAGE']);
  });

  it('refuses bad parameters, a missing image and an unknown part', async () => {
    const label = await renderLabel(['x']);
    const bad = await failureOf(
      apply('ai.detect', [imageInput(label)], { scoreThreshold: 2, colour: 'red' }),
    );
    expect(bad.code).toBe(status.INVALID_ARGUMENT);
    expect(bad.details).toMatch(/scoreThreshold/);
    expect(bad.details).toMatch(/colour/);
    expect((await failureOf(apply('ai.detect', []))).details).toMatch(/input "image" is required/);
    expect((await failureOf(apply('ai.segment', [imageInput(label)]))).code).toBe(status.NOT_FOUND);
  });

  it('batches concurrent calls to one model; /metrics shows batch sizes above 1', async () => {
    const bytes = await Promise.all(
      (['astronaut.png', 'coffee.png', 'chelsea.png', 'motorcycle_left.png'] as const).map((p) =>
        readFile(photo(p)),
      ),
    );
    const requests = [...bytes, ...bytes].map((b) =>
      apply('ai.detect', [imageInput(b)], { model: MODELS.personDetector.id }),
    );
    const responses = await Promise.all(requests);
    expect(detections(responses[0] as computeV1.ApplyResponse)[0]?.label).toBe('person');
    const metrics = await (await fetch(`http://127.0.0.1:${server.metricsPort}/metrics`)).text();
    const model = `${MODELS.personDetector.id}@${MODELS.personDetector.version}`;
    const count = Number(
      new RegExp(`imageflow_inference_batch_size_count\\{[^}]*model="${model}"[^}]*\\} (\\d+)`).exec(
        metrics,
      )?.[1],
    );
    const sum = Number(
      new RegExp(`imageflow_inference_batch_size_sum\\{[^}]*model="${model}"[^}]*\\} (\\d+)`).exec(
        metrics,
      )?.[1],
    );
    expect(sum).toBe(8);
    expect(count).toBeLessThan(8); // fewer runs than images: some ran together
  });

  it('switches to a newly published model version without a restart', async () => {
    const env = { MODELS_BUCKET: bucket };
    const coffee = await readFile(photo('coffee.png'));
    await publishModel(requireModel(MODELS.personDetector.id, MODELS.personDetector.version), {
      bucket,
      env,
      id: 'line-detector',
      version: '1.0.0',
    });
    const before = await apply('ai.detect', [imageInput(coffee)], { model: 'line-detector' });
    expect(text(before, 'model')).toBe('line-detector@1.0.0');
    expect(detections(before).map((d) => d.label)).not.toContain('cup');

    await publishModel(requireModel(MODELS.cocoDetector.id, MODELS.cocoDetector.version), {
      bucket,
      env,
      id: 'line-detector',
      version: '2.0.0',
    });
    let after = before;
    for (let i = 0; i < 50 && text(after, 'model') !== 'line-detector@2.0.0'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      after = await apply('ai.detect', [imageInput(coffee)], { model: 'line-detector' });
    }
    expect(text(after, 'model')).toBe('line-detector@2.0.0');
    expect(detections(after)[0]?.label).toBe('cup');
    const metrics = await (await fetch(`http://127.0.0.1:${server.metricsPort}/metrics`)).text();
    expect(metrics).toMatch(
      /imageflow_inference_model_switches_total\{[^}]*model_id="line-detector"[^}]*\} 1/,
    );
  });
});
