import { describe, expect, it } from 'vitest';
import { lagText, opsTexts, rateText, secondsText } from './operations';

describe('operations texts', () => {
  it('formats rates, times and backlog, with – for unknown', () => {
    expect([rateText(null), rateText(0), rateText(0.256), rateText(3.14), rateText(42.4)]).toEqual([
      '–',
      '0',
      '0.26',
      '3.1',
      '42',
    ]);
    expect([secondsText(null), secondsText(0.0421), secondsText(2.25), secondsText(75)]).toEqual([
      '–',
      '42 ms',
      '2.3 s',
      '75 s',
    ]);
    expect([lagText(null, null), lagText(120, null), lagText(120, 4)]).toEqual(['–', '120', '120 (4.0 s)']);
  });

  it('warns about failing steps and a backlog over a minute', () => {
    const base = {
      nodeId: 'n',
      partId: 'p',
      stageKind: 'image',
      throughputPerSec: 2,
      failedPerSec: 0,
      p95Seconds: 0.1,
      lagMessages: 3,
      lagSeconds: 1.5,
    };
    expect(opsTexts(base)).toEqual({ throughput: '2.0', p95: '100 ms', lag: '3 (1.5 s)', warn: false });
    expect(opsTexts({ ...base, failedPerSec: 0.1 }).warn).toBe(true);
    expect(opsTexts({ ...base, lagSeconds: 61 }).warn).toBe(true);
  });
});
