import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInference, isInferenceError, S3ModelSource } from './index';
import {
  MODELS,
  photo,
  publishModel,
  putTestObject,
  removeBucket,
  renderLabel,
  requireModel,
  s3Env,
  uniqueBucket,
} from './testing';

// The models bucket on the local stack's S3, written by the real publish tool.
describe('model store on S3', () => {
  const bucket = uniqueBucket('test-models');
  const switches: string[] = [];
  const inference = createInference(
    new S3ModelSource({ ...s3Env(), bucket }),
    { latestTtlMs: 200 },
    { onSwitch: (id, from, to) => switches.push(`${id}:${from ?? '-'}->${to}`) },
  );
  const env = { MODELS_BUCKET: bucket };

  beforeAll(async () => {
    await publishModel(requireModel(MODELS.personDetector.id, MODELS.personDetector.version), {
      bucket,
      id: 'line-detector',
      version: '1.0.0',
      env,
    });
    await publishModel(requireModel(MODELS.textDetection.id, MODELS.textDetection.version), { bucket, env });
  });
  afterAll(async () => {
    await inference.store.close();
    await removeBucket(bucket);
  });

  it('loads a published model on first use and caches its session', async () => {
    const bytes = await readFile(photo('astronaut.png'));
    const first = await inference.service.detect(bytes, { model: 'line-detector' });
    expect(first.model).toBe('line-detector@1.0.0');
    expect(first.detections[0]?.label).toBe('person');
    const again = await inference.service.detect(bytes, { model: 'line-detector' });
    expect(again.detections).toEqual(first.detections);
    expect(inference.store.loaded()).toEqual(['line-detector@1.0.0']);
  });

  it('switches to a newly published version without a restart, and still serves a pinned one', async () => {
    const bytes = await readFile(photo('coffee.png'));
    const before = await inference.service.detect(bytes, { model: 'line-detector' });
    expect(before.model).toBe('line-detector@1.0.0');
    expect(before.detections.map((d) => d.label)).not.toContain('cup'); // a person-only detector

    await publishModel(requireModel(MODELS.cocoDetector.id, MODELS.cocoDetector.version), {
      bucket,
      id: 'line-detector',
      version: '2.0.0',
      env,
    });

    let after = before;
    const deadline = Date.now() + 10_000;
    while (after.model !== 'line-detector@2.0.0' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      after = await inference.service.detect(bytes, { model: 'line-detector' });
    }
    expect(after.model).toBe('line-detector@2.0.0');
    expect(after.detections[0]?.label).toBe('cup');
    expect(switches).toContain('line-detector:1.0.0->2.0.0');

    const pinned = await inference.service.detect(bytes, { model: 'line-detector', version: '1.0.0' });
    expect(pinned.model).toBe('line-detector@1.0.0');
  });

  it('names an unknown model or version, and keeps serving', async () => {
    const bytes = await readFile(photo('astronaut.png'));
    await expect(inference.service.detect(bytes, { model: 'no-such-model' })).rejects.toSatisfy(
      (e) => isInferenceError(e, 'UNKNOWN_MODEL') && /no-such-model/.test((e as Error).message),
    );
    await expect(
      inference.service.detect(bytes, { model: 'line-detector', version: '9.9.9' }),
    ).rejects.toSatisfy((e) => isInferenceError(e, 'UNKNOWN_MODEL'));
    await expect(inference.service.detect(bytes, { model: '../etc/passwd' })).rejects.toSatisfy((e) =>
      isInferenceError(e, 'UNKNOWN_MODEL'),
    );
    expect(
      (await inference.service.detect(bytes, { model: 'line-detector', version: '1.0.0' })).detections.length,
    ).toBeGreaterThan(0);
  });

  it('rejects a model of the wrong task for the part', async () => {
    const label = await renderLabel(['SN-1']);
    await expect(inference.service.detect(label, { model: MODELS.textDetection.id })).rejects.toSatisfy((e) =>
      isInferenceError(e, 'WRONG_TASK'),
    );
  });

  it('reports a corrupt image and a broken manifest or model clearly', async () => {
    await expect(
      inference.service.detect(Buffer.from('not an image at all'), { model: 'line-detector' }),
    ).rejects.toSatisfy(
      (e) => isInferenceError(e, 'CORRUPT_IMAGE') && /cannot be decoded/.test((e as Error).message),
    );
    const png = await renderLabel(['x']);
    await expect(inference.service.detect(png.subarray(0, 60), { model: 'line-detector' })).rejects.toSatisfy(
      (e) => isInferenceError(e, 'CORRUPT_IMAGE'),
    );

    await putTestObject(bucket, 'broken/1/manifest.json', '{"id":"broken","version":"1","task":"detection"}');
    await putTestObject(bucket, 'broken/LATEST', '{"version":"1"}');
    await expect(inference.service.detect(png, { model: 'broken' })).rejects.toSatisfy(
      (e) => isInferenceError(e, 'INVALID_MANIFEST') && /input/.test((e as Error).message),
    );

    const manifest = JSON.parse(
      await readFile(
        `${requireModel(MODELS.personDetector.id, MODELS.personDetector.version)}/manifest.json`,
        'utf8',
      ),
    );
    await putTestObject(
      bucket,
      'garbage/1/manifest.json',
      JSON.stringify({ ...manifest, id: 'garbage', version: '1' }),
    );
    await putTestObject(bucket, 'garbage/1/model.onnx', 'definitely not onnx');
    await expect(inference.service.detect(png, { model: 'garbage', version: '1' })).rejects.toSatisfy((e) =>
      isInferenceError(e, 'MODEL_LOAD_FAILED'),
    );

    expect((await inference.service.detect(png, { model: 'line-detector' })).model).toBe(
      'line-detector@2.0.0',
    );
  });
});
