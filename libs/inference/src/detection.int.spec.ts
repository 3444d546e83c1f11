import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInference, DirectoryModelSource, isInferenceError, type InferenceService } from './index';
import { MODELS, modelCacheDir, photo, requireModel } from './testing';

// Real detectors on real photos (Debian python3-skimage data); no result is hard-coded into the code under test.
describe('object detection on real photos (in process)', () => {
  let service: InferenceService;
  let close: () => Promise<void>;

  beforeAll(() => {
    requireModel(MODELS.cocoDetector.id, MODELS.cocoDetector.version);
    requireModel(MODELS.personDetector.id, MODELS.personDetector.version);
    const inference = createInference(new DirectoryModelSource(modelCacheDir()), {
      onnx: { intraOpThreads: 1 },
    });
    service = inference.service;
    close = () => inference.store.close();
  });
  afterAll(() => close());

  // NanoDet-m, COCO 80 classes (gfl decoder).
  it.each([
    ['coffee.png', 'cup'],
    ['astronaut.png', 'person'],
    ['motorcycle_left.png', 'motorcycle'],
  ] as const)('nanodet-m-coco: %s shows a %s', async (image, expected) => {
    const bytes = await readFile(photo(image));
    const result = await service.detect(bytes, { model: MODELS.cocoDetector.id });
    expect(result.model).toBe('nanodet-m-coco@1.0.0');
    const top = result.detections[0];
    expect(top?.label).toBe(expected);
    expect(top?.score).toBeGreaterThan(0.35);
    expect(top?.box.width).toBeGreaterThan(20);
    expect(top?.box.height).toBeGreaterThan(20);
  });

  it('ssdlite-person (SSD boxes/scores/classes layout) finds the astronaut, in source pixels', async () => {
    const bytes = await readFile(photo('astronaut.png')); // 512x512, the person fills the left two thirds
    const result = await service.detect(bytes, { model: MODELS.personDetector.id });
    expect(result.detections.length).toBeGreaterThanOrEqual(1);
    const [person] = result.detections;
    expect(person).toMatchObject({ label: 'person', classId: 1 });
    expect(person?.score).toBeGreaterThan(0.8);
    expect(person?.box.x).toBeLessThan(50);
    expect(person?.box.width).toBeGreaterThan(250);
    expect(person?.box.height).toBeGreaterThan(400);
    expect((person?.box.x ?? NaN) + (person?.box.width ?? NaN)).toBeLessThanOrEqual(512);
  });

  it('filters by label and threshold', async () => {
    const bytes = await readFile(photo('coffee.png'));
    const all = await service.detect(bytes, { model: MODELS.cocoDetector.id, scoreThreshold: 0.2 });
    const cups = await service.detect(bytes, {
      model: MODELS.cocoDetector.id,
      scoreThreshold: 0.2,
      labels: ['cup'],
    });
    expect(cups.detections.length).toBeGreaterThan(0);
    expect(cups.detections.every((d) => d.label === 'cup')).toBe(true);
    expect(all.detections.length).toBeGreaterThanOrEqual(cups.detections.length);
  });

  it('refuses an image over the pixel limit before decoding it', async () => {
    const small = createInference(new DirectoryModelSource(modelCacheDir()), { maxPixels: 100_000 });
    const bytes = await readFile(photo('astronaut.png')); // 512 x 512 = 262 144 pixels
    await expect(small.service.detect(bytes, { model: MODELS.personDetector.id })).rejects.toSatisfy(
      (e) => isInferenceError(e, 'IMAGE_TOO_LARGE') && /100000 pixels/.test((e as Error).message),
    );
    await small.store.close();
  });
});
