import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isInferenceError } from '../errors';
import { parseManifest } from './manifest';

const manifestsDir = join(__dirname, '..', '..', '..', '..', 'tools', 'models', 'manifests');

describe('model manifest', () => {
  it.each(readdirSync(manifestsDir).filter((f) => f.endsWith('.json')))(
    'shipped manifest %s is valid',
    (file) => {
      const manifest = parseManifest(readFileSync(join(manifestsDir, file)));
      expect(`${manifest.id}.json`).toBe(file);
      expect(manifest.license).toMatch(/^(MIT|Apache-2.0|BSD-[23]-Clause)$/);
    },
  );

  it('applies defaults', () => {
    const m = parseManifest({
      id: 'm',
      version: '1',
      task: 'classification',
      input: { layout: 'NCHW', resize: { mode: 'stretch', width: 224, height: 224 } },
      postprocess: { decoder: 'softmax' },
    });
    expect(m).toMatchObject({
      file: 'model.onnx',
      input: { dtype: 'float32', colorOrder: 'RGB', mean: [0, 0, 0] },
      postprocess: { topK: 5, applySoftmax: true },
    });
  });

  it('names every problem, including a decoder that does not fit the task', () => {
    try {
      parseManifest({
        id: 'Bad Id',
        version: '1',
        task: 'detection',
        input: { layout: 'NCWH' },
        postprocess: { decoder: 'softmax' },
      });
      expect.unreachable();
    } catch (error) {
      expect(isInferenceError(error, 'INVALID_MANIFEST')).toBe(true);
      const message = (error as Error).message;
      expect(message).toMatch(/id:/);
      expect(message).toMatch(/input\.layout/);
    }
    expect(() =>
      parseManifest({
        id: 'm',
        version: '1',
        task: 'detection',
        input: { layout: 'NCHW', resize: { mode: 'stretch', width: 1, height: 1 } },
        postprocess: { decoder: 'softmax' },
      }),
    ).toThrow(/does not fit task "detection"/);
    expect(() => parseManifest('{not json')).toThrow(/not JSON/);
  });
});
