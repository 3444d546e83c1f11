import { describe, expect, it } from 'vitest';
import { computeV1 } from '@imageflow/contracts/grpc';
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
import { detectionsSvg } from './annotate.part';

const ops = new ImageOps();
const gray = () =>
  encodeRaster(
    rasterOf(120, 80, 1, () => [128]),
    'png',
  );

describe('post.annotate', () => {
  it('draws boxes in the box colour on a gray image, leaving the rest untouched', async () => {
    const response = await ops.apply({
      partId: 'post.annotate',
      partVersion: '',
      parametersJson: JSON.stringify({ boxColor: '#ff0000', lineWidth: 2, showLabels: false }),
      inputs: [
        imageInput('image', await gray()),
        detectionsInput('detections', [detection('scratch', 0.9, 40, 30, 40, 30)]),
      ],
    });
    const raster = await decodeForTest(outputOf(response, 'image', 'image').data);
    expect(raster.channels).toBe(3);
    expect(pixelAt(raster, 60, 30).slice(0, 3)).toEqual([255, 0, 0]); // top edge
    expect(pixelAt(raster, 40, 45).slice(0, 3)).toEqual([255, 0, 0]); // left edge
    expect(pixelAt(raster, 60, 45).slice(0, 3)).toEqual([128, 128, 128]); // inside
    expect(pixelAt(raster, 5, 5).slice(0, 3)).toEqual([128, 128, 128]);
  });

  it('writes labels with score and text, escaped for SVG', () => {
    const svg = detectionsSvg([detection('<lot>', 0.5, 1, 20, 10, 10, 'A&B')], 100, 50, {
      boxColor: '#ff0000',
      lineWidth: 1,
      showLabels: true,
      showScores: true,
      fontSize: 12,
      maskColor: '#00ff00',
      maskOpacity: 0.5,
    });
    expect(svg).toContain('&lt;lot&gt;: A&amp;B 0.50');
  });

  it('tints the mask foreground and draws label backgrounds', async () => {
    const mask = await encodeRaster(
      rasterOf(60, 40, 1, (x) => [x < 30 ? 255 : 0]),
      'png',
    );
    const response = await ops.apply({
      partId: 'post.annotate',
      partVersion: '',
      parametersJson: JSON.stringify({ maskColor: '#00ff00', maskOpacity: 1, boxColor: '#0000ff' }),
      inputs: [
        imageInput('image', await gray()),
        imageInput('mask', mask, computeV1.PortKind.MASK),
        detectionsInput('detections', [detection('ok', 1, 70, 40, 40, 30)]),
      ],
    });
    const raster = await decodeForTest(outputOf(response, 'image', 'image').data);
    // The 60×40 mask is stretched over the 120×80 image: its left half covers x < 60.
    expect(pixelAt(raster, 10, 70).slice(0, 3)).toEqual([0, 255, 0]);
    expect(pixelAt(raster, 116, 60)).toEqual([128, 128, 128]);
    expect(pixelAt(raster, 90, 55)).toEqual([128, 128, 128]); // inside the box
    // Label background above the box (y 40 - 21 … 40) in the box colour, with white text rendered on it.
    expect(pixelAt(raster, 71, 22).slice(0, 3)).toEqual([0, 0, 255]);
    let textPixels = 0;
    for (let y = 20; y < 40; y++)
      for (let x = 72; x < 110; x++) if ((pixelAt(raster, x, y)[0] ?? 0) > 200) textPixels++;
    expect(textPixels).toBeGreaterThan(10);
  });
});
