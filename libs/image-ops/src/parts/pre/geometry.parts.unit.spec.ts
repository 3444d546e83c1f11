import { describe, expect, it } from 'vitest';
import { ImageOps } from '../../image-ops';
import {
  decodeForTest,
  encodeRaster,
  imageInput,
  outputOf,
  pixelAt,
  rasterOf,
  testCard,
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

// Left half red, right half blue: positions are easy to check after geometric operations.
const halves = (width: number, height: number) =>
  encodeRaster(
    rasterOf(width, height, 3, (x) => (x < width / 2 ? [255, 0, 0] : [0, 0, 255])),
    'png',
  );

describe('pre.resize', () => {
  it('scales a 1920×1080 JPEG to 640 wide, keeping the aspect ratio and the format', async () => {
    const { image, raster } = await run('pre.resize', { width: 640 }, await testCard(1920, 1080, 'jpeg'));
    expect([image.width, image.height, raster.width, raster.height]).toEqual([640, 360, 640, 360]);
    expect(image.contentType).toBe('image/jpeg');
  });

  it('honours each fit mode', async () => {
    const source = await halves(200, 100);
    const size = async (fit: string) => {
      const { raster } = await run('pre.resize', { width: 100, height: 100, fit }, source);
      return [raster.width, raster.height];
    };
    expect(await size('cover')).toEqual([100, 100]);
    expect(await size('contain')).toEqual([100, 100]);
    expect(await size('fill')).toEqual([100, 100]);
    expect(await size('inside')).toEqual([100, 50]);
    expect(await size('outside')).toEqual([200, 100]);
  });

  it('pads with the background colour for contain, and refuses a resize with no size', async () => {
    const { raster } = await run(
      'pre.resize',
      { width: 100, height: 100, fit: 'contain', background: '#00ff00' },
      await halves(200, 100),
    );
    expect(pixelAt(raster, 50, 5)).toEqual([0, 255, 0]);
    expect(pixelAt(raster, 10, 50)).toEqual([255, 0, 0]);
    await expect(run('pre.resize', {}, await halves(20, 10))).rejects.toThrow('give width, height or both');
  });
});

describe('pre.crop', () => {
  it('cuts a pixel rectangle', async () => {
    const { raster } = await run(
      'pre.crop',
      { x: 100, y: 10, width: 50, height: 30 },
      await halves(200, 100),
    );
    expect([raster.width, raster.height]).toEqual([50, 30]);
    expect(pixelAt(raster, 0, 0)).toEqual([0, 0, 255]);
  });

  it('cuts a relative rectangle and clips it to the image', async () => {
    const { raster } = await run(
      'pre.crop',
      { x: 0.25, y: 0.5, width: 0.5, height: 1, units: 'relative' },
      await halves(200, 100),
    );
    expect([raster.width, raster.height]).toEqual([100, 50]);
    expect(pixelAt(raster, 0, 0)).toEqual([255, 0, 0]);
    expect(pixelAt(raster, 99, 0)).toEqual([0, 0, 255]);
  });

  it('refuses a rectangle outside the image', async () => {
    await expect(
      run('pre.crop', { x: 500, y: 0, width: 10, height: 10 }, await halves(200, 100)),
    ).rejects.toThrow('lies outside the 200×100 image');
  });
});

describe('pre.rotate and pre.flip', () => {
  it('rotates 90° clockwise: the left (red) half ends on top', async () => {
    const { raster } = await run('pre.rotate', { angle: 90 }, await halves(40, 20));
    expect([raster.width, raster.height]).toEqual([20, 40]);
    expect(pixelAt(raster, 10, 5)).toEqual([255, 0, 0]);
    expect(pixelAt(raster, 10, 35)).toEqual([0, 0, 255]);
  });

  it('rotates by an arbitrary angle onto a larger canvas filled with the background', async () => {
    const { raster } = await run('pre.rotate', { angle: 45, background: '#ffffff' }, await halves(100, 100));
    expect(raster.width).toBeGreaterThan(140);
    expect(pixelAt(raster, 0, 0).slice(0, 3)).toEqual([255, 255, 255]);
  });

  it('mirrors left-right and top-bottom', async () => {
    const flipped = await run('pre.flip', {}, await halves(40, 20));
    expect(pixelAt(flipped.raster, 0, 0)).toEqual([0, 0, 255]);
    const topRed = await encodeRaster(
      rasterOf(10, 10, 3, (_x, y) => (y < 5 ? [255, 0, 0] : [0, 0, 255])),
      'png',
    );
    const vertical = await run('pre.flip', { horizontal: false, vertical: true }, topRed);
    expect(pixelAt(vertical.raster, 0, 0)).toEqual([0, 0, 255]);
    expect(pixelAt(vertical.raster, 0, 9)).toEqual([255, 0, 0]);
  });
});
