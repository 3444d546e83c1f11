import { describe, expect, it } from 'vitest';
import type { ComparePair, RunBrief, RunFindings } from '../repositories/replays.repository';
import { compareImage, decodeImageCursor, encodeImageCursor, totalsOf } from './replay-compare';

const run = (runId: string, verdict: 'OK' | 'NG' | null, status = 'completed'): RunBrief => ({
  runId,
  pipelineVersion: runId.startsWith('b') ? 'v1' : 'v2',
  status,
  verdict,
});
const found = (
  labels: Record<string, number>,
  texts: Record<string, string> = {},
  detectionTexts: string[] = [],
) => ({ labels, texts, detectionTexts }) satisfies RunFindings;

describe('compareImage', () => {
  it('classifies verdict flips, unchanged and changed images, missing baselines and pending runs', () => {
    const findings = new Map<string, RunFindings>([
      ['b1', found({ dent: 1 })],
      ['r1', found({ dent: 1 })],
      ['b3', found({ dent: 2 }, { 'ocr.text': 'LOT-1' })],
      ['r3', found({ dent: 2 }, { 'ocr.text': 'LOT-1' })],
      ['b4', found({ dent: 2, scratch: 1 }, { 'ocr.text': 'LOT-1' }, ['A'])],
      ['r4', found({ dent: 1 }, { 'ocr.text': 'L0T-1' }, ['B'])],
    ]);
    const pairs: ComparePair[] = [
      { imageId: 'i1', baseline: run('b1', 'OK'), replay: run('r1', 'NG') },
      { imageId: 'i2', baseline: run('b2', 'NG'), replay: run('r2', 'OK') },
      { imageId: 'i3', baseline: run('b3', 'OK'), replay: run('r3', 'OK') },
      { imageId: 'i4', baseline: run('b4', 'OK'), replay: run('r4', 'OK') },
      { imageId: 'i5', baseline: null, replay: run('r5', 'OK') },
      { imageId: 'i6', baseline: run('b6', 'OK'), replay: run('r6', null, 'running') },
      { imageId: 'i7', baseline: run('b7', null, 'running'), replay: run('r7', 'OK') },
      { imageId: 'i8', baseline: run('b8', 'OK'), replay: run('r8', null, 'failed') },
    ];
    const items = pairs.map((pair) => compareImage(pair, findings));
    expect(items.map((i) => i.outcome)).toEqual([
      'okToNg',
      'ngToOk',
      'unchanged',
      'changed',
      'missingBaseline',
      'pending',
      'pending',
      'changed',
    ]);
    expect(items[3]?.differences).toEqual({
      verdict: false,
      labels: { dent: { baseline: 2, replay: 1 }, scratch: { baseline: 1, replay: 0 } },
      detectionTexts: true,
      texts: { 'ocr.text': { baseline: 'LOT-1', replay: 'L0T-1' } },
    });
    expect(items[2]?.differences).toEqual({ verdict: false, labels: {}, detectionTexts: false, texts: {} });
    expect(items[4]?.baseline).toBeNull();
    expect(items[1]?.replay).toEqual({ ...run('r2', 'OK'), labels: {}, texts: {}, detectionTexts: [] });
    expect(totalsOf(items)).toEqual({
      images: 8,
      okToNg: 1,
      ngToOk: 1,
      unchanged: 1,
      changed: 2,
      missingBaseline: 1,
      pending: 2,
    });
  });
});

describe('image cursors', () => {
  it('round-trip image ids and refuse anything else', () => {
    const id = 'ab'.repeat(32);
    expect(decodeImageCursor(encodeImageCursor(id))).toBe(id);
    expect(decodeImageCursor('')).toBeUndefined();
    expect(decodeImageCursor('not a cursor!')).toBeUndefined();
  });
});
