import { describe, expect, it } from 'vitest';
import { ImageOps } from '../../image-ops';
import {
  decodeForTest,
  encodeRaster,
  imageInput,
  outputOf,
  pixelAt,
  rasterOf,
  type RasterImage,
} from '../../testing';

const ops = new ImageOps();
const run = async (partId: string, params: object, bytes: Buffer) => {
  const response = await ops.apply({
    partId,
    partVersion: '',
    parametersJson: JSON.stringify(params),
    inputs: [imageInput('image', bytes)],
  });
  const image = outputOf(response, 'image', 'image');
  return { image, raster: await decodeForTest(image.data) };
};

const lumaStats = (r: RasterImage) => {
  const values: number[] = [];
  for (let i = 0; i < r.data.length; i += r.channels) values.push(r.data[i] ?? 0);
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const std = Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / values.length);
  return { min: Math.min(...values), max: Math.max(...values), mean, std };
};

const checkerboard = (size: number, cell: number) =>
  encodeRaster(
    rasterOf(size, size, 1, (x, y) => [(Math.floor(x / cell) + Math.floor(y / cell)) % 2 ? 200 : 50]),
    'png',
  );

describe('pre.grayscale', () => {
  it('gives one channel holding the BT.601 luma', async () => {
    const { raster } = await run(
      'pre.grayscale',
      {},
      await encodeRaster(
        rasterOf(4, 4, 3, () => [200, 100, 50]),
        'png',
      ),
    );
    expect(raster.channels).toBe(1);
    expect(pixelAt(raster, 2, 2)).toEqual([Math.round(0.299 * 200 + 0.587 * 100 + 0.114 * 50)]);
  });
});

describe('pre.normalize and pre.clahe', () => {
  it('stretches a low-contrast gradient to the full range', async () => {
    const flat = await encodeRaster(
      rasterOf(100, 10, 1, (x) => [100 + Math.floor(x / 2)]),
      'png',
    );
    const before = lumaStats(await decodeForTest(flat));
    const { raster } = await run('pre.normalize', { lower: 1, upper: 99 }, flat);
    const after = lumaStats(raster);
    expect(before.max - before.min).toBeLessThan(60);
    expect(after.min).toBeLessThanOrEqual(10);
    expect(after.max).toBeGreaterThanOrEqual(245);
    await expect(run('pre.normalize', { lower: 50, upper: 10 }, flat)).rejects.toThrow(
      'lower (50) must be below upper (10)',
    );
  });

  it('raises local contrast in both a dim and a bright region (CLAHE), keeping flat areas flat', async () => {
    // Left half: dim texture 40–48; right half: bright texture 200–208.
    const texture = (x: number, y: number) => (x * 7 + y * 3) % 9;
    const bytes = await encodeRaster(
      rasterOf(128, 128, 1, (x, y) => [(x < 64 ? 40 : 200) + texture(x, y)]),
      'png',
    );
    const { raster } = await run('pre.clahe', { tiles: 4, clipLimit: 4 }, bytes);
    expect([raster.width, raster.height, raster.channels]).toEqual([128, 128, 1]);
    const spread = (x0: number) => {
      const values: number[] = [];
      for (let y = 40; y < 88; y++)
        for (let x = x0; x < x0 + 24; x++) values.push(pixelAt(raster, x, y)[0] ?? 0);
      return Math.max(...values) - Math.min(...values);
    };
    expect(spread(8)).toBeGreaterThan(3 * 8);
    expect(spread(96)).toBeGreaterThan(3 * 8);

    const flat = await encodeRaster(
      rasterOf(64, 64, 3, () => [90, 120, 150]),
      'png',
    );
    const equalisedFlat = (await run('pre.clahe', {}, flat)).raster;
    const first = pixelAt(equalisedFlat, 0, 0);
    expect(pixelAt(equalisedFlat, 40, 40)).toEqual(first);
    // Colour is kept: R, G and B move together.
    expect((first[1] ?? 0) - (first[0] ?? 0)).toBe(30);
    expect((first[2] ?? 0) - (first[1] ?? 0)).toBe(30);
  });
});

describe('pre.blur and pre.sharpen', () => {
  it('blur lowers the contrast of a fine checkerboard, sharpen raises the contrast at its edges', async () => {
    const board = await checkerboard(64, 4);
    const original = lumaStats(await decodeForTest(board)).std;
    const blurred = lumaStats((await run('pre.blur', { sigma: 3 }, board)).raster).std;
    expect(blurred).toBeLessThan(original * 0.5);
    const soft = await encodeRaster(
      rasterOf(64, 64, 3, (x) => (x < 32 ? [60, 60, 60] : [180, 180, 180])),
      'png',
    );
    const sharpened = (await run('pre.sharpen', { sigma: 2, flat: 2, jagged: 4 }, soft)).raster;
    // Overshoot on both sides of the step: darker than 60 on the left, brighter than 180 on the right.
    expect(pixelAt(sharpened, 30, 32)[0]).toBeLessThan(60);
    expect(pixelAt(sharpened, 33, 32)[0]).toBeGreaterThan(180);
  });
});

describe('pre.convert-format', () => {
  it('re-encodes as WebP and JPEG', async () => {
    const png = await encodeRaster(
      rasterOf(30, 20, 3, () => [10, 120, 240]),
      'png',
    );
    const webp = await run('pre.convert-format', { format: 'webp', quality: 80 }, png);
    expect(webp.image.contentType).toBe('image/webp');
    expect(webp.image.data.subarray(8, 12).toString('latin1')).toBe('WEBP');
    expect([webp.raster.width, webp.raster.height]).toEqual([30, 20]);
    const jpeg = await run('pre.convert-format', { format: 'jpeg' }, png);
    expect(jpeg.image.contentType).toBe('image/jpeg');
    const [r, g, b] = pixelAt(jpeg.raster, 15, 10);
    expect(
      [Math.abs((r ?? 0) - 10), Math.abs((g ?? 0) - 120), Math.abs((b ?? 0) - 240)].every((d) => d < 8),
    ).toBe(true);
  });
});
