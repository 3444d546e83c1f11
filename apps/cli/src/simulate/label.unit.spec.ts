import { describe, expect, it } from 'vitest';
import { renderLabelJpeg } from './label-render.adapter';
import { badSerial, goodSerial, isBadIndex, labelSvg, SERIAL_PATTERN } from './label';

describe('product labels', () => {
  it('prints the lot and serial as text in the SVG', () => {
    const svg = labelSvg({ lot: 'L-2026-11', serial: 'SN-000042' });
    expect(svg).toContain('>LOT L-2026-11</text>');
    expect(svg).toContain('>SN SN-000042</text>');
  });

  it('escapes markup in the text', () => {
    expect(labelSvg({ lot: '<A&B>', serial: 'x' })).toContain('LOT &lt;A&amp;B&gt;');
  });

  it('good serials match the format, bad ones never do', () => {
    for (let n = 0; n < 50; n++) {
      expect(goodSerial(n)).toMatch(SERIAL_PATTERN);
      expect(badSerial(n)).not.toMatch(SERIAL_PATTERN);
    }
  });

  it('marks exactly round(N × ratio) captures bad, spread over the run', () => {
    const bad = Array.from({ length: 100 }, (_, i) => isBadIndex(i, 0.1));
    expect(bad.filter(Boolean)).toHaveLength(10);
    expect(bad.slice(0, 20).filter(Boolean)).toHaveLength(2);
    expect(Array.from({ length: 10 }, (_, i) => isBadIndex(i, 0)).some(Boolean)).toBe(false);
  });

  it('renders a decodable JPEG, different bytes for a different stamp', async () => {
    const a = await renderLabelJpeg({ lot: 'L1', serial: 'SN-000001', stamp: 'a' });
    const b = await renderLabelJpeg({ lot: 'L1', serial: 'SN-000001', stamp: 'b' });
    expect(a.subarray(0, 3)).toEqual(Buffer.from([0xff, 0xd8, 0xff]));
    expect(a.equals(b)).toBe(false);
  });
});
