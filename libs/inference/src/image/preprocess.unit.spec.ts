import { describe, expect, it } from 'vitest';
import { inputSpecSchema } from '../models/manifest';
import { planResize, toSourceBox, toTensor, type RgbImage } from './preprocess';

describe('planResize', () => {
  it('letterboxes keeping the aspect ratio, centred', () => {
    expect(
      planResize({ mode: 'letterbox', width: 640, height: 640, padValue: 114 }, { width: 1280, height: 720 }),
    ).toMatchObject({
      contentWidth: 640,
      contentHeight: 360,
      padLeft: 0,
      padTop: 140,
      padPixel: 114,
    });
  });

  it('limits the longest side and rounds to a multiple (PP-OCR detection)', () => {
    expect(
      planResize({ mode: 'limit-side', maxSide: 960, multiple: 32 }, { width: 1920, height: 1080 }),
    ).toMatchObject({ inputWidth: 960, inputHeight: 544 });
    expect(
      planResize({ mode: 'limit-side', maxSide: 960, multiple: 32 }, { width: 10, height: 300 }),
    ).toMatchObject({ inputWidth: 32, inputHeight: 288 });
  });

  it('keeps a fixed height and pads the width (text lines)', () => {
    expect(
      planResize(
        { mode: 'fixed-height', height: 48, maxWidth: 1280, padWidthMultiple: 64 },
        { width: 300, height: 30 },
      ),
    ).toMatchObject({
      contentWidth: 480,
      inputWidth: 512,
      inputHeight: 48,
    });
    expect(
      planResize(
        { mode: 'fixed-height', height: 48, maxWidth: 192, padWidth: 192 },
        { width: 1000, height: 20 },
      ),
    ).toMatchObject({
      contentWidth: 192,
      inputWidth: 192,
    });
  });
});

describe('toTensor', () => {
  const image: RgbImage = { width: 2, height: 1, data: new Uint8Array([255, 0, 10, 0, 255, 20]) };

  it('builds NCHW float32 in BGR with mean/std', () => {
    const spec = inputSpecSchema.parse({
      layout: 'NCHW',
      colorOrder: 'BGR',
      resize: { mode: 'stretch', width: 2, height: 1 },
      scale: 1,
      mean: [10, 0, 0],
      std: [2, 1, 1],
    });
    const t = toTensor(image, planResize(spec.resize, image), spec);
    expect(t.dims).toEqual([1, 3, 1, 2]);
    expect(Array.from(t.data)).toEqual([0, 5, 0, 255, 255, 0]); // B plane (minus 10, halved), G plane, R plane
  });

  it('builds NHWC uint8 and pads a letterbox with the pad pixel', () => {
    const spec = inputSpecSchema.parse({
      layout: 'NHWC',
      dtype: 'uint8',
      resize: { mode: 'letterbox', width: 2, height: 3, padValue: 7 },
    });
    const g = planResize(spec.resize, image);
    expect(g).toMatchObject({ contentWidth: 2, contentHeight: 1, padTop: 1 });
    const t = toTensor(image, g, spec);
    expect(t.dims).toEqual([1, 3, 2, 3]);
    expect(Array.from(t.data)).toEqual([7, 7, 7, 7, 7, 7, 255, 0, 10, 0, 255, 20, 7, 7, 7, 7, 7, 7]);
  });

  it('pads fixed-height inputs with zeros after normalisation', () => {
    const spec = inputSpecSchema.parse({
      layout: 'NCHW',
      resize: { mode: 'fixed-height', height: 1, maxWidth: 8, padWidth: 4 },
      scale: 1,
    });
    const t = toTensor(image, planResize(spec.resize, image), spec);
    expect(t.dims).toEqual([1, 3, 1, 4]);
    expect(Array.from(t.data)).toEqual([255, 0, 0, 0, 0, 255, 0, 0, 10, 20, 0, 0]);
  });
});

describe('toSourceBox', () => {
  it('maps letterboxed input pixels back to the source and clips', () => {
    const g = planResize(
      { mode: 'letterbox', width: 640, height: 640, padValue: 114 },
      { width: 1280, height: 720 },
    );
    expect(toSourceBox({ x1: 100, y1: 140, x2: 200, y2: 240 }, g)).toEqual({
      x: 200,
      y: 0,
      width: 200,
      height: 200,
    });
    expect(toSourceBox({ x1: -50, y1: 100, x2: 700, y2: 600 }, g)).toEqual({
      x: 0,
      y: 0,
      width: 1280,
      height: 720,
    });
  });
});
