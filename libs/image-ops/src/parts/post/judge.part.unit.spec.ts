import { describe, expect, it } from 'vitest';
import { computeV1 } from '@imageflow/contracts/grpc';
import { ImageOps } from '../../image-ops';
import { detection, detectionsInput, measurementsInput, outputOf, textInput } from '../../testing';

const ops = new ImageOps();
const judge = async (rules: object[], inputs: computeV1.PortValue[]) =>
  outputOf(
    await ops.apply({
      partId: 'post.judge',
      partVersion: '',
      parametersJson: JSON.stringify({ rules }),
      inputs,
    }),
    'judgement',
    'judgement',
  );

const detections = detectionsInput('detections', [
  detection('scratch', 0.8, 0, 0, 5, 5),
  detection('scratch', 0.3, 0, 0, 5, 5),
  detection('label', 0.95, 10, 10, 50, 20, 'SN-2024-00042'),
]);

describe('post.judge', () => {
  it('is OK when every rule passes', async () => {
    const result = await judge(
      [
        { type: 'detection-count', label: 'scratch', minScore: 0.5, max: 1 },
        { type: 'text-match', pattern: '^SN-\\d{4}-\\d{5}$' },
        { type: 'measurement-range', name: 'luma_mean', min: 80, max: 200 },
      ],
      [detections, measurementsInput('measurements', [{ name: 'luma_mean', value: 120, unit: 'level' }])],
    );
    expect(result).toEqual({ verdict: computeV1.Verdict.OK, reasons: [] });
  });

  it('is NG with one readable reason per failing rule', async () => {
    const result = await judge(
      [
        { type: 'detection-count', label: 'scratch', max: 0 },
        { type: 'text-match', pattern: 'LOT-\\d+' },
        { type: 'measurement-range', name: 'luma_mean', min: 150 },
        { type: 'measurement-range', name: 'sharpness', min: 1 },
      ],
      [
        detections,
        textInput('text', 'SN-2024-00042'),
        measurementsInput('measurements', [{ name: 'luma_mean', value: 120, unit: 'level' }]),
      ],
    );
    expect(result.verdict).toBe(computeV1.Verdict.NG);
    expect(result.reasons).toEqual([
      '2 detection(s) labelled "scratch", expected at most 0',
      'text "SN-2024-00042" does not match /LOT-\\d+/',
      'luma_mean = 120 level, expected at least 150',
      'measurement "sharpness" is missing',
    ]);
  });

  it('refuses rules whose input is not connected, bounds-less ranges and invalid rule shapes', async () => {
    await expect(
      judge([{ type: 'measurement-range', name: 'x', min: 1 }], [detections]),
    ).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringContaining('needs the measurements input'),
    });
    await expect(judge([{ type: 'detection-count' }], [detections])).rejects.toMatchObject({
      code: 'INVALID_PARAMETERS',
    });
    await expect(judge([{ type: 'text-match', pattern: '(' }], [detections])).rejects.toMatchObject({
      message: expect.stringContaining('invalid pattern'),
    });
    await expect(judge([{ type: 'colour', min: 1 }], [detections])).rejects.toMatchObject({
      code: 'INVALID_PARAMETERS',
    });
    await expect(judge([], [detections])).rejects.toMatchObject({ code: 'INVALID_PARAMETERS' });
  });
});
