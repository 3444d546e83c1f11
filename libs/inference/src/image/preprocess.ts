import type { InputSpec, ResizeSpec } from '../models/manifest';
import type { TensorData } from '../onnx/tensor';

/** What image preprocessing produces. */
export type ImageTensor = Extract<TensorData, { type: 'float32' } | { type: 'uint8' }>;

/** Decoded pixels, 3 channels RGB, row-major HWC. */
export interface RgbImage {
  data: Uint8Array;
  width: number;
  height: number;
}

/** Where an image lands in the model input: resized to content size, placed at (padLeft, padTop). */
export interface Geometry {
  srcWidth: number;
  srcHeight: number;
  inputWidth: number;
  inputHeight: number;
  contentWidth: number;
  contentHeight: number;
  padLeft: number;
  padTop: number;
  /** Pixel value (0..255) of the padding, or undefined for zeros in tensor space. */
  padPixel: number | undefined;
}

export function planResize(spec: ResizeSpec, src: { width: number; height: number }): Geometry {
  const base = { srcWidth: src.width, srcHeight: src.height, padLeft: 0, padTop: 0, padPixel: undefined };
  switch (spec.mode) {
    case 'stretch':
      return {
        ...base,
        inputWidth: spec.width,
        inputHeight: spec.height,
        contentWidth: spec.width,
        contentHeight: spec.height,
      };
    case 'letterbox': {
      const scale = Math.min(spec.width / src.width, spec.height / src.height);
      const contentWidth = Math.max(1, Math.round(src.width * scale));
      const contentHeight = Math.max(1, Math.round(src.height * scale));
      return {
        ...base,
        inputWidth: spec.width,
        inputHeight: spec.height,
        contentWidth,
        contentHeight,
        padLeft: Math.floor((spec.width - contentWidth) / 2),
        padTop: Math.floor((spec.height - contentHeight) / 2),
        padPixel: spec.padValue,
      };
    }
    case 'limit-side': {
      const ratio = Math.min(1, spec.maxSide / Math.max(src.width, src.height));
      const round = (v: number) =>
        Math.max(spec.multiple, Math.round((v * ratio) / spec.multiple) * spec.multiple);
      const w = round(src.width);
      const h = round(src.height);
      return { ...base, inputWidth: w, inputHeight: h, contentWidth: w, contentHeight: h };
    }
    case 'fixed-height': {
      const contentWidth = Math.max(
        1,
        Math.min(spec.maxWidth, Math.ceil((spec.height * src.width) / src.height)),
      );
      const inputWidth =
        spec.padWidth !== undefined
          ? Math.max(spec.padWidth, contentWidth)
          : spec.padWidthMultiple !== undefined
            ? Math.ceil(contentWidth / spec.padWidthMultiple) * spec.padWidthMultiple
            : contentWidth;
      return { ...base, inputWidth, inputHeight: spec.height, contentWidth, contentHeight: spec.height };
    }
  }
}

/**
 * Builds the [1, ...] input tensor from an image already resized to the content size.
 * float32: (pixel * scale - mean[c]) / std[c] with channels in the model's colour order; uint8: raw pixels.
 */
export function toTensor(resized: RgbImage, g: Geometry, spec: InputSpec): ImageTensor {
  if (resized.width !== g.contentWidth || resized.height !== g.contentHeight) {
    throw new Error(
      `toTensor: image is ${resized.width}x${resized.height}, plan says ${g.contentWidth}x${g.contentHeight}`,
    );
  }
  const W = g.inputWidth;
  const H = g.inputHeight;
  const plane = W * H;
  const nchw = spec.layout === 'NCHW';
  const dims = nchw ? [1, 3, H, W] : [1, H, W, 3];
  const order = spec.colorOrder === 'BGR' ? [2, 1, 0] : [0, 1, 2];
  const index = nchw ? (c: number, p: number) => c * plane + p : (c: number, p: number) => p * 3 + c;

  if (spec.dtype === 'uint8') {
    const out = new Uint8Array(plane * 3);
    if (g.padPixel !== undefined) out.fill(g.padPixel);
    for (let y = 0; y < g.contentHeight; y++) {
      for (let x = 0; x < g.contentWidth; x++) {
        const s = (y * g.contentWidth + x) * 3;
        const p = (y + g.padTop) * W + x + g.padLeft;
        for (let c = 0; c < 3; c++) out[index(c, p)] = resized.data[s + (order[c] as number)] ?? 0;
      }
    }
    return { type: 'uint8', data: out, dims };
  }

  const out = new Float32Array(plane * 3);
  const norm = (c: number, v: number) =>
    (v * spec.scale - (spec.mean[c] as number)) / (spec.std[c] as number);
  if (g.padPixel !== undefined) {
    for (let c = 0; c < 3; c++) {
      const v = norm(c, g.padPixel);
      for (let p = 0; p < plane; p++) out[index(c, p)] = v;
    }
  }
  for (let y = 0; y < g.contentHeight; y++) {
    for (let x = 0; x < g.contentWidth; x++) {
      const s = (y * g.contentWidth + x) * 3;
      const p = (y + g.padTop) * W + x + g.padLeft;
      for (let c = 0; c < 3; c++) out[index(c, p)] = norm(c, resized.data[s + (order[c] as number)] ?? 0);
    }
  }
  return { type: 'float32', data: out, dims };
}

/** A box in source-image pixels. */
export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Maps a box from model-input pixels back to the source image, clipped to it. */
export function toSourceBox(raw: { x1: number; y1: number; x2: number; y2: number }, g: Geometry): Box {
  const sx = g.contentWidth / g.srcWidth;
  const sy = g.contentHeight / g.srcHeight;
  const clip = (v: number, max: number) => Math.min(max, Math.max(0, v));
  const x1 = clip((raw.x1 - g.padLeft) / sx, g.srcWidth);
  const y1 = clip((raw.y1 - g.padTop) / sy, g.srcHeight);
  const x2 = clip((raw.x2 - g.padLeft) / sx, g.srcWidth);
  const y2 = clip((raw.y2 - g.padTop) / sy, g.srcHeight);
  return { x: x1, y: y1, width: Math.max(0, x2 - x1), height: Math.max(0, y2 - y1) };
}
