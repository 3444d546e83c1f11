// POST/GET /api/v1/models against the real stack's S3, with a real ONNX model (PP-OCR orientation classifier from
// tools/models/install.sh) published under a unique id into the gateway's unique models bucket; the built compute-ai
// app, reading that bucket, then runs the uploaded model.
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { credentials, Metadata } from '@grpc/grpc-js';
import { computeV1 } from '@imageflow/contracts/grpc';
import { MODELS, renderLabel, requireModel } from '@imageflow/inference/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCompute, type RunningCompute } from '../testing/compute-services';
import { startGateway, type GatewayHarness } from '../testing/gateway-harness';
import type { ModelDetails, ModelPublished, ModelSummary } from './models.schemas';

describe('models over REST (real S3, real ONNX, real compute-ai)', () => {
  let gw: GatewayHarness;
  let ai: RunningCompute | undefined;
  let manifest: Record<string, unknown>;
  let onnx: Buffer;
  const id = `it-cls-${randomBytes(4).toString('hex')}`;

  const form = (
    manifestValue: unknown,
    files: Record<string, Buffer> = { 'model.onnx': onnx },
    asFile = false,
  ) => {
    const body = new FormData();
    const json = typeof manifestValue === 'string' ? manifestValue : JSON.stringify(manifestValue);
    if (asFile) body.append('manifest', new Blob([json], { type: 'application/json' }), 'manifest.json');
    else body.append('manifest', json);
    for (const [name, bytes] of Object.entries(files))
      body.append('files', new Blob([new Uint8Array(bytes)]), name);
    return body;
  };
  const publish = (body: FormData, key?: string) =>
    gw.request('/api/v1/models', { method: 'POST', body, ...(key ? { key } : {}) });
  const errorOf = async (response: Response) => ((await response.json()) as { message: string }).message;

  beforeAll(async () => {
    const dir = requireModel(MODELS.textOrientation.id, MODELS.textOrientation.version);
    manifest = {
      ...(JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as object),
      id,
      version: '1.0.0',
    };
    onnx = await readFile(join(dir, 'model.onnx'));
    gw = await startGateway({ MODEL_UPLOAD_MAX_FILE_BYTES: String(onnx.length + 1024) });
  });

  afterAll(async () => {
    await ai?.stop();
    await gw?.close();
  });

  it('publishes a version: files, manifest.json, then LATEST, in the layout compute-ai reads', async () => {
    const response = await publish(form(manifest));
    expect(response.status).toBe(201);
    const published = (await response.json()) as ModelPublished;
    expect(published).toMatchObject({
      id,
      version: '1.0.0',
      latest: true,
      files: [{ name: 'model.onnx', size: onnx.length }],
    });
    const bucket = gw.config.MODELS_BUCKET;
    expect((await gw.store.list(bucket, `${id}/`)).sort()).toEqual(
      [`${id}/1.0.0/manifest.json`, `${id}/1.0.0/model.onnx`, `${id}/LATEST`].sort(),
    );
    expect(JSON.parse((await gw.store.get({ bucket, key: `${id}/LATEST` })).toString())).toEqual({
      version: '1.0.0',
    });
    const stored = JSON.parse(
      (await gw.store.get({ bucket, key: `${id}/1.0.0/manifest.json` })).toString(),
    ) as object;
    expect(stored).toMatchObject({ id, version: '1.0.0', task: 'classification', labels: ['0', '180'] });
  });

  it('lists the model with its versions and which one is LATEST', async () => {
    // Versions uploaded with latest=false leave LATEST alone; the last default upload (manifest as a file part) moves it.
    for (const version of ['0.9.0', '1.0.10']) {
      const pinned = new FormData();
      pinned.append('manifest', JSON.stringify({ ...manifest, version }));
      pinned.append('latest', 'false');
      pinned.append('files', new Blob([new Uint8Array(onnx)]), 'model.onnx');
      const response = await publish(pinned);
      expect(response.status).toBe(201);
      expect(((await response.json()) as ModelPublished).latest).toBe(false);
    }
    const pointer = await gw.store.get({ bucket: gw.config.MODELS_BUCKET, key: `${id}/LATEST` });
    expect(JSON.parse(pointer.toString())).toEqual({ version: '1.0.0' });
    const second = await publish(form({ ...manifest, version: '1.0.1' }, { 'model.onnx': onnx }, true));
    expect(second.status).toBe(201);

    const list = (await (await gw.request('/api/v1/models')).json()) as { items: ModelSummary[] };
    expect(list.items.find((m) => m.id === id)).toEqual({
      id,
      latest: '1.0.1',
      versions: [
        { version: '0.9.0', latest: false },
        { version: '1.0.0', latest: false },
        { version: '1.0.1', latest: true },
        { version: '1.0.10', latest: false },
      ],
    });
    const details = (await (await gw.request(`/api/v1/models/${id}`)).json()) as ModelDetails;
    expect(details.latest).toBe('1.0.1');
    expect(details.versions.map((v) => v.version)).toEqual(['0.9.0', '1.0.0', '1.0.1', '1.0.10']);
    expect(details.versions[2]).toMatchObject({
      task: 'classification',
      license: 'Apache-2.0',
      files: [{ name: 'model.onnx', size: onnx.length }],
      manifest: { id, version: '1.0.1' },
    });
    expect((await gw.request('/api/v1/models/no-such-model')).status).toBe(404);
    expect((await gw.request('/api/v1/models/Bad%20Id')).status).toBe(400);
  });

  it('refuses a version that already exists with 409 and leaves it unchanged', async () => {
    const before = await gw.store.stat({ bucket: gw.config.MODELS_BUCKET, key: `${id}/1.0.0/manifest.json` });
    const response = await publish(form({ ...manifest, title: 'replaced' }));
    expect(response.status).toBe(409);
    expect(await errorOf(response)).toMatch(/1\.0\.0 is already published/);
    const after = await gw.store.stat({ bucket: gw.config.MODELS_BUCKET, key: `${id}/1.0.0/manifest.json` });
    expect(after?.etag).toBe(before?.etag);
  });

  it('refuses a bad manifest with 400 naming the field, and writes nothing', async () => {
    const cases: [unknown, RegExp][] = [
      [{ ...manifest, version: '2.0.0', task: 'segmentation' }, /task:/],
      [{ ...manifest, version: '2.0.0', input: { resize: { mode: 'stretch' } } }, /input\.layout:/],
      [
        { ...manifest, version: '2.0.0', postprocess: { decoder: 'yolo' } },
        /postprocess\.decoder: decoder "yolo" does not fit task "classification"/,
      ],
      [{ ...manifest, version: '../2' }, /version:/],
      [
        { ...manifest, version: '2.0.0', file: 'weights.onnx' },
        /file: "weights\.onnx" is not among the uploaded files/,
      ],
      ['{"id": ', /not JSON/],
    ];
    for (const [bad, message] of cases) {
      const response = await publish(form(bad));
      expect(response.status).toBe(400);
      expect(await errorOf(response)).toMatch(message);
    }
    const noManifest = new FormData();
    noManifest.append('files', new Blob([new Uint8Array(onnx)]), 'model.onnx');
    const missing = await publish(noManifest);
    expect(missing.status).toBe(400);
    expect(await errorOf(missing)).toMatch(/manifest/);
    const json = await gw.request('/api/v1/models', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(manifest),
    });
    expect(json.status).toBe(415);
    expect(await gw.store.list(gw.config.MODELS_BUCKET, `${id}/2.0.0/`)).toEqual([]);
  });

  it('limits file sizes (413) and roles (camera 403)', async () => {
    const big = await publish(
      form({ ...manifest, version: '3.0.0' }, { 'model.onnx': Buffer.alloc(onnx.length + 2048) }),
    );
    expect(big.status).toBe(413);
    expect(await errorOf(big)).toMatch(/MODEL_UPLOAD_MAX_FILE_BYTES/);
    const created = await gw.request('/api/v1/api-keys', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'models-camera', role: 'camera' }),
    });
    const camera = ((await created.json()) as { key: string }).key;
    expect((await publish(form({ ...manifest, version: '3.0.0' }), camera)).status).toBe(403);
    expect((await gw.request('/api/v1/models', { key: camera })).status).toBe(403);
    expect(await gw.store.list(gw.config.MODELS_BUCKET, `${id}/3.0.0/`)).toEqual([]);
  });

  it('compute-ai runs the uploaded model (LATEST) from the same bucket', async () => {
    ai = await startCompute('compute-ai', {
      MODELS_BUCKET: gw.config.MODELS_BUCKET,
      COMPUTE_AI_INTRA_OP_THREADS: '1',
    });
    const client = new computeV1.ComputeServiceClient(ai.address, credentials.createInsecure());
    const line = await renderLabel(['SN-20261128-0042'], { tight: true, rotate180: true });
    const response = await new Promise<computeV1.ApplyResponse>((resolve, reject) =>
      client.apply(
        {
          partId: 'ai.classify',
          partVersion: '',
          parametersJson: JSON.stringify({ model: id, topK: 2 }),
          inputs: [
            {
              port: 'image',
              kind: computeV1.PortKind.IMAGE,
              value: { $case: 'image', value: { data: line, contentType: 'image/png', width: 0, height: 0 } },
            },
          ],
        },
        new Metadata(),
        { deadline: new Date(Date.now() + 20_000) },
        (error, r) => (error ? reject(error) : resolve(r)),
      ),
    );
    client.close();
    const value = (port: string) => response.outputs.find((o) => o.port === port)?.value;
    expect(value('model')).toEqual({ $case: 'text', value: `${id}@1.0.1` });
    expect(value('text')).toEqual({ $case: 'text', value: '180' });
  });
});
