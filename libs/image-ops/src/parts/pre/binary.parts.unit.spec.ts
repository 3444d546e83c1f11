import { describe, expect, it } from 'vitest';
import { ImageOps } from '../../image-ops';
import { decodeForTest, encodeRaster, imageInput, outputOf, pixelAt, rasterOf } from '../../testing';
import { otsuThreshold } from './binary.parts';

const ops = new ImageOps();
const apply = (partId: string, params: object, bytes: Buffer) =>
  ops.apply({
    partId,
    partVersion: '',
    parametersJson: JSON.stringify(params),
    inputs: [imageInput('image', bytes)],
  });

describe('pre.threshold', () => {
  it('makes pixels at or above the value white and the rest black, as a PNG image and a mask', async () => {
    const gradient = await encodeRaster(
      rasterOf(256, 4, 1, (x) => [x]),
      'png',
    );
    const response = await apply('pre.threshold', { value: 100 }, gradient);
    const image = outputOf(response, 'image', 'image');
    expect(image.contentType).toBe('image/png');
    const raster = await decodeForTest(image.data);
    expect(raster.channels).toBe(1);
    expect(pixelAt(raster, 99, 0)).toEqual([0]);
    expect(pixelAt(raster, 100, 0)).toEqual([255]);
    expect(outputOf(response, 'mask', 'image').data).toEqual(image.data);
    const inverted = await decodeForTest(
      outputOf(await apply('pre.threshold', { value: 100, invert: true }, gradient), 'image', 'image').data,
    );
    expect(pixelAt(inverted, 99, 0)).toEqual([255]);
  });

  it('finds a threshold between the two modes of a bimodal image (Otsu)', async () => {
    const samples = new Uint8Array(1000).map((_, i) => (i < 600 ? 40 + (i % 10) : 180 + (i % 10)));
    const t = otsuThreshold(samples);
    expect(t).toBeGreaterThan(49);
    expect(t).toBeLessThanOrEqual(180);
    const bimodal = await encodeRaster(
      rasterOf(100, 10, 3, (x) => (x < 60 ? [45, 45, 45] : [185, 185, 185])),
      'png',
    );
    const raster = await decodeForTest(
      outputOf(await apply('pre.threshold', { method: 'otsu' }, bimodal), 'image', 'image').data,
    );
    expect(pixelAt(raster, 59, 5)).toEqual([0]);
    expect(pixelAt(raster, 60, 5)).toEqual([255]);
  });
});

describe('pre.edge-detect', () => {
  const step = () =>
    encodeRaster(
      rasterOf(40, 20, 1, (x) => [x < 20 ? 0 : 100]),
      'png',
    );

  it('Sobel responds on the step and nowhere in the flat regions', async () => {
    const raster = await decodeForTest(
      outputOf(await apply('pre.edge-detect', { method: 'sobel' }, await step()), 'image', 'image').data,
    );
    expect(pixelAt(raster, 5, 10)).toEqual([0]);
    expect(pixelAt(raster, 35, 10)).toEqual([0]);
    // Sobel x on a 0→100 step: 4 × 100 = 400, clipped to 255.
    expect(pixelAt(raster, 19, 10)).toEqual([255]);
    expect(pixelAt(raster, 20, 10)).toEqual([255]);
  });

  it('Laplacian gives |Δ| = 100 on both sides of the step', async () => {
    const raster = await decodeForTest(
      outputOf(await apply('pre.edge-detect', { method: 'laplacian' }, await step()), 'image', 'image').data,
    );
    expect(pixelAt(raster, 19, 10)).toEqual([100]);
    expect(pixelAt(raster, 20, 10)).toEqual([100]);
    expect(pixelAt(raster, 10, 10)).toEqual([0]);
  });
});
