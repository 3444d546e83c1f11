import { describe, expect, it } from 'vitest';
import { ImageOps } from '../../image-ops';
import { decodeForTest, encodeRaster, imageInput, outputOf, pixelAt, rasterOf } from '../../testing';
import { findBlobs } from './measure.parts';

const ops = new ImageOps();
const apply = async (partId: string, params: object, bytes: Buffer) =>
  ops.apply({
    partId,
    partVersion: '',
    parametersJson: JSON.stringify(params),
    inputs: [imageInput('image', bytes)],
  });
const byName = (items: { name: string; value: number }[]) =>
  Object.fromEntries(items.map((m) => [m.name, m.value]));

describe('post.measure-brightness', () => {
  it('measures a half-dark, half-bright image exactly', async () => {
    const bytes = await encodeRaster(
      rasterOf(100, 10, 3, (x) => (x < 50 ? [0, 0, 0] : [250, 250, 250])),
      'png',
    );
    const m = byName(
      outputOf(await apply('post.measure-brightness', {}, bytes), 'measurements', 'measurements').items,
    );
    expect(m['luma_mean']).toBe(125);
    expect(m['luma_stddev']).toBe(125);
    expect(m['luma_min']).toBe(0);
    expect(m['luma_max']).toBe(250);
    expect(m['luma_p05']).toBe(0);
    expect(m['luma_p95']).toBe(250);
    expect(m['dark_ratio']).toBe(0.5);
    expect(m['bright_ratio']).toBe(0.5);
    expect(m['mean_r']).toBe(125);
  });

  it('rates a sharp checkerboard sharper than its blurred copy', async () => {
    const board = await encodeRaster(
      rasterOf(64, 64, 1, (x, y) => [(Math.floor(x / 4) + Math.floor(y / 4)) % 2 ? 220 : 30]),
      'png',
    );
    const blurred = outputOf(await apply('pre.blur', { sigma: 4 }, board), 'image', 'image').data;
    const sharpness = async (b: Buffer) =>
      byName(outputOf(await apply('post.measure-brightness', {}, b), 'measurements', 'measurements').items)[
        'sharpness'
      ] ?? NaN;
    expect(await sharpness(board)).toBeGreaterThan((await sharpness(blurred)) * 2);
  });
});

describe('post.measure-blobs', () => {
  // A 10×10 and a 5×5 bright square, and one bright pixel of noise, on black.
  const blobs = () =>
    encodeRaster(
      rasterOf(50, 40, 1, (x, y) => {
        if (x >= 5 && x < 15 && y >= 5 && y < 15) return [200];
        if (x >= 30 && x < 35 && y >= 20 && y < 25) return [200];
        if (x === 45 && y === 35) return [200];
        return [10];
      }),
      'png',
    );

  it('counts and measures connected regions above the minimum area, largest first', async () => {
    const response = await apply('post.measure-blobs', { threshold: 100, minArea: 2 }, await blobs());
    const m = byName(outputOf(response, 'measurements', 'measurements').items);
    expect(m).toMatchObject({
      blob_count: 2,
      foreground_area: 125,
      largest_blob_area: 100,
      mean_blob_area: 62.5,
    });
    expect(m['foreground_ratio']).toBeCloseTo(125 / 2000, 10);
    const boxes = outputOf(response, 'detections', 'detections').items;
    expect(boxes.map((b) => [b.x, b.y, b.width, b.height, b.score])).toEqual([
      [5, 5, 10, 10, 1],
      [30, 20, 5, 5, 0.25],
    ]);
    const mask = await decodeForTest(outputOf(response, 'mask', 'image').data);
    expect(pixelAt(mask, 10, 10)).toEqual([255]);
    expect(pixelAt(mask, 45, 35)).toEqual([0]); // the noise pixel is below minArea
  });

  it('measures dark regions with polarity = dark', async () => {
    const m = byName(
      outputOf(
        await apply('post.measure-blobs', { threshold: 100, polarity: 'dark' }, await blobs()),
        'measurements',
        'measurements',
      ).items,
    );
    expect(m['foreground_area']).toBe(2000 - 126);
    expect(m['blob_count']).toBe(1);
  });

  it('joins diagonal neighbours (8-connectivity) and U shapes into one component', () => {
    // A U shape whose arms meet only at the bottom, plus a diagonal line.
    const w = 7;
    const rows = ['1000100', '1000100', '1111100', '0000000', '0000010', '0000001'];
    const binary = Uint8Array.from(rows.join('').split('').map(Number));
    const { blobs: found } = findBlobs(binary, w, rows.length);
    expect([...found.values()].map((b) => b.area).sort((a, b) => a - b)).toEqual([2, 9]);
  });
});
