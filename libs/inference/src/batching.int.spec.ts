import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInference, DirectoryModelSource, type Detection } from './index';
import { MODELS, modelCacheDir, photo, renderLabel, requireModel } from './testing';

// Dynamic batching with real onnxruntime sessions: concurrent requests share runs, and every result equals the
// result of the same image run alone.
describe('dynamic batching', () => {
  const batchSizes: number[] = [];
  const batched = createInference(
    new DirectoryModelSource(modelCacheDir()),
    { batching: { maxBatchSize: 8, maxDelayMs: 50, maxConcurrentBatches: 1 } },
    { onBatch: (_model, size) => batchSizes.push(size) },
  );
  const single = createInference(new DirectoryModelSource(modelCacheDir()), {
    batching: { maxBatchSize: 1 },
  });
  let images: Buffer[];

  beforeAll(async () => {
    requireModel(MODELS.personDetector.id, MODELS.personDetector.version);
    requireModel(MODELS.textOrientation.id, MODELS.textOrientation.version);
    images = await Promise.all(
      (['astronaut.png', 'coffee.png', 'chelsea.png', 'motorcycle_left.png'] as const).map((p) =>
        readFile(photo(p)),
      ),
    );
  });
  afterAll(async () => {
    await batched.store.close();
    await single.store.close();
  });

  const same = (a: Detection[], b: Detection[]) => {
    expect(a.map((d) => d.label)).toEqual(b.map((d) => d.label));
    a.forEach((d, i) => {
      const alone = b[i] as Detection;
      expect(d.score).toBeCloseTo(alone.score, 4);
      expect(d.box.x).toBeCloseTo(alone.box.x, 1);
      expect(d.box.width).toBeCloseTo(alone.box.width, 1);
    });
  };

  it('runs concurrent detection requests together and returns what each image gives alone', async () => {
    const model = { model: MODELS.personDetector.id, scoreThreshold: 0.3 };
    const inputs = [...images, ...images]; // 8 requests
    const alone: Array<{ detections: Detection[] }> = [];
    for (const bytes of inputs) alone.push(await single.service.detect(bytes, model));
    batchSizes.length = 0;
    const together = await Promise.all(inputs.map((bytes) => batched.service.detect(bytes, model)));
    expect(Math.max(...batchSizes)).toBeGreaterThan(1);
    expect(batchSizes.reduce((a, b) => a + b, 0)).toBe(inputs.length);
    together.forEach((r, i) => same(r.detections, alone[i]?.detections ?? []));
    expect(alone[0]?.detections[0]?.label).toBe('person');
  });

  it('batches a classifier too, and keeps each answer with its request', async () => {
    // The orientation classifier reads text-line crops.
    const upright = await renderLabel(['SN-20261128-0042'], { tight: true });
    const flipped = await renderLabel(['SN-20261128-0042'], { tight: true, rotate180: true });
    const inputs = [upright, flipped, upright, flipped, flipped, upright];
    batchSizes.length = 0;
    const results = await Promise.all(
      inputs.map((b) => batched.service.classify(b, { model: MODELS.textOrientation.id })),
    );
    expect(Math.max(...batchSizes)).toBeGreaterThan(1);
    expect(results.map((r) => r.classes[0]?.label)).toEqual(['0', '180', '0', '180', '180', '0']);
  });
});
