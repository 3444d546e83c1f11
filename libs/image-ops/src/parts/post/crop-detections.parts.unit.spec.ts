import { describe, expect, it } from 'vitest';
import { ImageOps } from '../../image-ops';
import {
  decodeForTest,
  detection,
  detectionsInput,
  encodeRaster,
  imageInput,
  outputOf,
  pixelAt,
  rasterOf,
} from '../../testing';

const ops = new ImageOps();
// Three coloured squares on black: red (10,10,20×20), green (50,10,30×30), blue (100,50,10×10).
const scene = () =>
  encodeRaster(
    rasterOf(160, 100, 3, (x, y) => {
      if (x >= 10 && x < 30 && y >= 10 && y < 30) return [255, 0, 0];
      if (x >= 50 && x < 80 && y >= 10 && y < 40) return [0, 255, 0];
      if (x >= 100 && x < 110 && y >= 50 && y < 60) return [0, 0, 255];
      return [0, 0, 0];
    }),
    'png',
  );
const found = [
  detection('part', 0.7, 10, 10, 20, 20),
  detection('part', 0.9, 50, 10, 30, 30),
  detection('screw', 0.8, 100, 50, 10, 10),
];
const apply = async (partId: string, params: object) =>
  ops.apply({
    partId,
    partVersion: '',
    parametersJson: JSON.stringify(params),
    inputs: [imageInput('image', await scene()), detectionsInput('detections', found)],
  });

describe('post.crop-detection', () => {
  it('crops the best-scoring detection and returns its box relative to the crop', async () => {
    const response = await apply('post.crop-detection', {});
    const raster = await decodeForTest(outputOf(response, 'image', 'image').data);
    expect([raster.width, raster.height]).toEqual([30, 30]);
    expect(pixelAt(raster, 15, 15)).toEqual([0, 255, 0]);
    expect(outputOf(response, 'detections', 'detections').items).toEqual([{ ...found[1], x: 0, y: 0 }]);
  });

  it('filters by label, picks the n-th best and pads the box', async () => {
    const second = await decodeForTest(
      outputOf(await apply('post.crop-detection', { label: 'part', index: 1 }), 'image', 'image').data,
    );
    expect(pixelAt(second, 10, 10)).toEqual([255, 0, 0]);
    const padded = await apply('post.crop-detection', { label: 'screw', padding: 0.5 });
    const raster = await decodeForTest(outputOf(padded, 'image', 'image').data);
    expect([raster.width, raster.height]).toEqual([20, 20]);
    expect(pixelAt(raster, 0, 0)).toEqual([0, 0, 0]);
    expect(pixelAt(raster, 10, 10)).toEqual([0, 0, 255]);
    expect(outputOf(padded, 'detections', 'detections').items[0]).toMatchObject({
      x: 5,
      y: 5,
      width: 10,
      height: 10,
    });
  });

  it('fails with NO_MATCH when nothing matches, or passes the whole image on when asked to', async () => {
    await expect(apply('post.crop-detection', { label: 'bolt' })).rejects.toMatchObject({ code: 'NO_MATCH' });
    const whole = await apply('post.crop-detection', { label: 'bolt', onNoMatch: 'whole-image' });
    expect(outputOf(whole, 'image', 'image')).toMatchObject({ width: 160, height: 100 });
    expect(outputOf(whole, 'detections', 'detections').items).toEqual([]);
  });
});

describe('post.crop-detections-grid', () => {
  it('tiles every matching detection, best first, into square cells and returns each cell', async () => {
    const response = await apply('post.crop-detections-grid', {
      cellSize: 32,
      columns: 2,
      background: '#ffffff',
    });
    const sheet = await decodeForTest(outputOf(response, 'image', 'image').data);
    expect([sheet.width, sheet.height]).toEqual([64, 64]);
    expect(pixelAt(sheet, 16, 16)).toEqual([0, 255, 0]); // 0.9 green
    expect(pixelAt(sheet, 48, 16)).toEqual([0, 0, 255]); // 0.8 blue screw
    expect(pixelAt(sheet, 16, 48)).toEqual([255, 0, 0]); // 0.7 red
    expect(pixelAt(sheet, 48, 48)).toEqual([255, 255, 255]); // empty cell
    const cells = outputOf(response, 'detections', 'detections').items;
    expect(cells.map((c) => [c.label, c.score, c.x, c.y, c.width])).toEqual([
      ['part', 0.9, 0, 0, 32],
      ['screw', 0.8, 32, 0, 32],
      ['part', 0.7, 0, 32, 32],
    ]);
  });
});
