import { describe, expect, it } from 'vitest';
import {
  describeDifferences,
  firstChanged,
  formatSummary,
  progressOf,
  replayFinished,
  summaryJson,
  type ReplaySummary,
} from './replay-format';
import type { CompareItem, ComparePage, CompareTotals, Replay } from './replay.types';

const replay = (overrides: Partial<Replay> = {}): Replay => ({
  id: 'r-1',
  pipelineId: 'serial-check',
  targetVersion: `sha256:${'a'.repeat(64)}`,
  baselineVersion: null,
  status: 'completed',
  matched: 4,
  started: 4,
  scanComplete: true,
  message: null,
  requestedAt: '2026-11-28T10:00:00.000Z',
  finishedAt: '2026-11-28T10:00:05.000Z',
  runs: { total: 4, queued: 0, running: 0, completed: 3, failed: 1 },
  ...overrides,
});

const side = (verdict: 'OK' | 'NG' | null, text = 'SN-000001') => ({
  runId: `run-${verdict}-${text}`,
  pipelineVersion: 'v',
  status: 'completed',
  verdict,
  labels: { text: 1 },
  detectionTexts: [text],
  texts: { 'ocr.text': text },
});

const item = (
  imageId: string,
  outcome: CompareItem['outcome'],
  overrides: Partial<CompareItem> = {},
): CompareItem => ({
  imageId,
  outcome,
  baseline: side('OK'),
  replay: side('OK'),
  differences: { verdict: false, labels: {}, detectionTexts: false, texts: {} },
  ...overrides,
});

const totals: CompareTotals = {
  images: 4,
  okToNg: 1,
  ngToOk: 1,
  unchanged: 1,
  changed: 1,
  missingBaseline: 0,
  pending: 0,
};

const okToNg = item('a'.repeat(64), 'okToNg', {
  replay: side('NG', 'SN-00000l'),
  differences: {
    verdict: true,
    labels: { text: { baseline: 1, replay: 2 } },
    detectionTexts: true,
    texts: { 'ocr.text': { baseline: 'SN-000001', replay: 'SN-00000l' } },
  },
});

describe('replay progress', () => {
  it('is finished only when the replay is terminal and none of its runs is queued or running', () => {
    expect(replayFinished(replay())).toBe(true);
    expect(replayFinished(replay({ status: 'running' }))).toBe(false);
    expect(
      replayFinished(replay({ runs: { total: 4, queued: 0, running: 1, completed: 2, failed: 1 } })),
    ).toBe(false);
    // ReplayFinished projected before the last RunStarted: wait for every started run to show.
    expect(replayFinished(replay({ started: 5 }))).toBe(false);
    expect(replayFinished(replay({ status: 'cancelled' }))).toBe(true);
  });

  it('counts finished runs against what the scan matched so far', () => {
    expect(progressOf(replay({ scanComplete: false, matched: 10, started: 6 }))).toEqual({
      done: 4,
      total: 10,
    });
    expect(progressOf(replay())).toEqual({ done: 4, total: 4 });
  });
});

describe('formatSummary', () => {
  const summary: ReplaySummary = {
    replay: replay(),
    totals,
    baselineVersion: null,
    changed: [
      okToNg,
      item('b'.repeat(64), 'ngToOk', {
        baseline: side('NG'),
        differences: { verdict: true, labels: {}, detectionTexts: false, texts: {} },
      }),
    ],
  };

  it('prints the totals and each changed image with its differences', () => {
    const text = formatSummary(summary);
    expect(text).toContain('replay r-1 completed: 4 capture(s) matched, 4 run(s) (3 completed, 1 failed)');
    expect(text).toContain('pipeline serial-check: sha256:aaaaaaaaaaaa compared with the original runs');
    expect(text).toMatch(/OK→NG\s+1\n/);
    expect(text).toMatch(/NG→OK\s+1\n/);
    expect(text).toMatch(/unchanged\s+1\n/);
    expect(text).toMatch(/images\s+4\n/);
    expect(text).toContain('first 2 changed image(s):');
    expect(text).toContain(`${'a'.repeat(16)}  OK→NG  run run-NG-SN-00000l`);
    expect(text).toContain('verdict OK → NG');
    expect(text).toContain('ocr.text: "SN-000001" → "SN-00000l"');
    expect(formatSummary({ ...summary, baselineVersion: 'v2', changed: [] })).toContain(
      'compared with version v2',
    );
    expect(formatSummary({ ...summary, changed: [] })).toContain('no changed images');
  });

  it('describes every kind of difference', () => {
    expect(describeDifferences(okToNg)).toEqual([
      'verdict OK → NG',
      'label text: 1 → 2',
      'detection texts ["SN-000001"] → ["SN-00000l"]',
      'ocr.text: "SN-000001" → "SN-00000l"',
    ]);
    expect(
      describeDifferences(item('c', 'changed', { replay: { ...side(null), status: 'failed' } })),
    ).toEqual(['replay run failed']);
  });

  it('--json is one document with the replay, the totals and the changed images', () => {
    const parsed = JSON.parse(summaryJson(summary)) as Record<string, unknown>;
    expect(Object.keys(parsed)).toEqual(['replay', 'baselineVersion', 'totals', 'changed']);
    expect(parsed['totals']).toEqual(totals);
    expect((parsed['changed'] as CompareItem[]).map((c) => c.outcome)).toEqual(['okToNg', 'ngToOk']);
  });
});

describe('firstChanged', () => {
  const page = (items: CompareItem[], nextCursor: string | null): ComparePage => ({
    replayId: 'r-1',
    pipelineId: 'p',
    targetVersion: 'v',
    baselineVersion: null,
    totals,
    items,
    nextCursor,
  });

  it('reads pages only until it has the changed images it needs', async () => {
    const pages: Record<string, ComparePage> = {
      start: page([item('1', 'unchanged'), item('2', 'okToNg')], 'c2'),
      c2: page([item('3', 'pending'), item('4', 'changed')], 'c3'),
      c3: page([item('5', 'ngToOk')], null),
    };
    const asked: (string | null)[] = [];
    const fetch = async (cursor: string | null) => {
      asked.push(cursor);
      return pages[cursor ?? 'start'] as ComparePage;
    };
    const two = await firstChanged(fetch, 2);
    expect(two.changed.map((c) => c.imageId)).toEqual(['2', '4']);
    expect(asked).toEqual([null, 'c2']);
    asked.length = 0;
    const all = await firstChanged(fetch, 10);
    expect(all.changed.map((c) => c.imageId)).toEqual(['2', '4', '5']);
    expect(asked).toEqual([null, 'c2', 'c3']);
  });
});
