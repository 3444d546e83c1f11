import { describe, expect, it } from 'vitest';
import { describeIssues } from '../common/validation/zod-validation';
import { modelManifestSchema } from './models.schemas';

const manifest = {
  id: 'ppocr-v4-rec',
  version: '4.0.0',
  task: 'text-recognition',
  input: { layout: 'NCHW', resize: { mode: 'fixed-height', height: 48, maxWidth: 320 } },
  postprocess: { decoder: 'ctc', dictionaryFile: 'dict.txt' },
};

const problems = (value: unknown): string => {
  const result = modelManifestSchema.safeParse(value);
  return result.success ? '' : describeIssues(result.error);
};

describe('modelManifestSchema (the gateway border check of a model manifest)', () => {
  it('accepts a documented manifest, defaults file, and keeps unknown fields', () => {
    const parsed = modelManifestSchema.parse({
      ...manifest,
      input: { ...manifest.input, mean: [0.5, 0.5, 0.5] },
    });
    expect(parsed.file).toBe('model.onnx');
    expect(parsed.input).toMatchObject({ mean: [0.5, 0.5, 0.5] });
  });

  it('names each bad field', () => {
    expect(problems({ ...manifest, id: 'Upper Case' })).toMatch(/^id:/);
    expect(problems({ ...manifest, version: '../x' })).toMatch(/^version:/);
    expect(problems({ ...manifest, task: 'segmentation' })).toMatch(/^task:/);
    expect(problems({ ...manifest, input: { resize: { mode: 'stretch' } } })).toMatch(/input\.layout/);
    expect(problems({ ...manifest, input: { layout: 'NCHW', resize: { mode: 'zoom' } } })).toMatch(
      /input\.resize\.mode/,
    );
    expect(problems({ ...manifest, file: '../model.onnx' })).toMatch(/^file:/);
    expect(problems({ ...manifest, postprocess: { decoder: 'db' } })).toMatch(
      /postprocess\.decoder: decoder "db" does not fit/,
    );
    expect(problems({ ...manifest, postprocess: { decoder: 'ctc' } })).toMatch(/postprocess\.dictionaryFile/);
  });
});
