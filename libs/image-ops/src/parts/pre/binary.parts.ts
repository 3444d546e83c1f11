// Pre-processing that produces binary or edge images: threshold and edge detection. Both are computed on
// luminance in plain loops, so the output is exactly defined (and one channel) whatever the source.
import { definePart, IMAGE_IN, IMAGE_OUT, out, port, PortKind } from '../../core/part';
import { grayRaster, toLuma, type EncodeOptions } from '../../core/raster';

// Binary and edge images compress far better, and stay exact, as PNG.
const PNG: EncodeOptions = { format: 'png' };

/** Otsu's threshold: the level that maximises the between-class variance of the luminance histogram. */
export function otsuThreshold(luma: Uint8Array): number {
  const histogram = new Float64Array(256);
  for (const v of luma) histogram[v] = (histogram[v] ?? 0) + 1;
  const total = luma.length;
  let sumAll = 0;
  for (let i = 0; i < 256; i++) sumAll += i * (histogram[i] ?? 0);
  let sumBelow = 0;
  let weightBelow = 0;
  let best = 0;
  let bestVariance = -1;
  for (let t = 0; t < 256; t++) {
    weightBelow += histogram[t] ?? 0;
    if (weightBelow === 0) continue;
    const weightAbove = total - weightBelow;
    if (weightAbove === 0) break;
    sumBelow += t * (histogram[t] ?? 0);
    const meanBelow = sumBelow / weightBelow;
    const meanAbove = (sumAll - sumBelow) / weightAbove;
    const variance = weightBelow * weightAbove * (meanBelow - meanAbove) ** 2;
    if (variance > bestVariance) {
      bestVariance = variance;
      best = t;
    }
  }
  // Pixels above the class boundary are foreground.
  return best + 1;
}

export interface ThresholdParams {
  method: 'fixed' | 'otsu';
  value: number;
  invert: boolean;
}

export const thresholdPart = definePart<ThresholdParams>({
  id: 'pre.threshold',
  version: '1.0.0',
  category: 'pre',
  title: { en: 'Threshold', ja: '二値化' },
  description: {
    en: 'Binarises luminance: pixels at or above the threshold become white (255), the rest black. Otsu picks the threshold from the histogram.',
    ja: '輝度を二値化します。しきい値以上を白（255）、それ以外を黒にします。大津法はヒストグラムからしきい値を自動決定します。',
  },
  inputs: [IMAGE_IN],
  outputs: [IMAGE_OUT, port('mask', PortKind.MASK, true, { en: 'Mask', ja: 'マスク' })],
  parameters: {
    type: 'object',
    additionalProperties: false,
    properties: {
      method: {
        type: 'string',
        enum: ['fixed', 'otsu'],
        default: 'fixed',
        description: 'fixed: use value; otsu: automatic.',
      },
      value: {
        type: 'integer',
        minimum: 0,
        maximum: 255,
        default: 128,
        description: 'Threshold for method = fixed.',
      },
      invert: { type: 'boolean', default: false, description: 'Dark pixels become white instead.' },
    },
  },
  async run(inputs, p) {
    const image = inputs.image('image');
    const luma = toLuma(image);
    const level = p.method === 'otsu' ? otsuThreshold(luma) : p.value;
    const on = p.invert ? 0 : 255;
    const binary = new Uint8Array(luma.length);
    for (let i = 0; i < luma.length; i++) binary[i] = (luma[i] ?? 0) >= level ? on : 255 - on;
    const raster = grayRaster(binary, image, PNG);
    return [out.image('image', raster), out.mask('mask', raster)];
  },
});

type Kernel3 = readonly [number, number, number, number, number, number, number, number, number];
const SOBEL_X: Kernel3 = [-1, 0, 1, -2, 0, 2, -1, 0, 1];
const SOBEL_Y: Kernel3 = [-1, -2, -1, 0, 0, 0, 1, 2, 1];
const LAPLACIAN: Kernel3 = [0, 1, 0, 1, -4, 1, 0, 1, 0];

/** 3×3 convolution with edge replication; the interior runs without bounds checks (a 2 MP image in ~20 ms). */
export function convolve3(luma: Uint8Array, width: number, height: number, k: Kernel3): Float32Array {
  const result = new Float32Array(luma.length);
  const [k0, k1, k2, k3, k4, k5, k6, k7, k8] = k;
  const at = (x: number, y: number) =>
    luma[Math.min(height - 1, Math.max(0, y)) * width + Math.min(width - 1, Math.max(0, x))] ?? 0;
  const edge = (x: number, y: number) =>
    k0 * at(x - 1, y - 1) +
    k1 * at(x, y - 1) +
    k2 * at(x + 1, y - 1) +
    k3 * at(x - 1, y) +
    k4 * at(x, y) +
    k5 * at(x + 1, y) +
    k6 * at(x - 1, y + 1) +
    k7 * at(x, y + 1) +
    k8 * at(x + 1, y + 1);
  for (let y = 0; y < height; y++) {
    const interiorRow = y > 0 && y < height - 1;
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      if (!interiorRow || x === 0 || x === width - 1) {
        result[i] = edge(x, y);
        continue;
      }
      const up = i - width;
      const down = i + width;
      result[i] =
        k0 * (luma[up - 1] as number) +
        k1 * (luma[up] as number) +
        k2 * (luma[up + 1] as number) +
        k3 * (luma[i - 1] as number) +
        k4 * (luma[i] as number) +
        k5 * (luma[i + 1] as number) +
        k6 * (luma[down - 1] as number) +
        k7 * (luma[down] as number) +
        k8 * (luma[down + 1] as number);
    }
  }
  return result;
}

export interface EdgeParams {
  method: 'sobel' | 'laplacian';
}

export const edgeDetectPart = definePart<EdgeParams>({
  id: 'pre.edge-detect',
  version: '1.0.0',
  category: 'pre',
  title: { en: 'Edge detection', ja: 'エッジ検出' },
  description: {
    en: 'Edge strength of the luminance: Sobel gradient magnitude or absolute Laplacian, clipped to 0–255.',
    ja: '輝度のエッジ強度（Sobel勾配の大きさ、またはラプラシアンの絶対値、0〜255に制限）を出力します。',
  },
  inputs: [IMAGE_IN],
  outputs: [IMAGE_OUT],
  parameters: {
    type: 'object',
    additionalProperties: false,
    properties: {
      method: {
        type: 'string',
        enum: ['sobel', 'laplacian'],
        default: 'sobel',
        description: 'Edge operator.',
      },
    },
  },
  async run(inputs, p) {
    const image = inputs.image('image');
    const luma = toLuma(image);
    const edges = new Uint8Array(luma.length);
    if (p.method === 'sobel') {
      const gx = convolve3(luma, image.width, image.height, SOBEL_X);
      const gy = convolve3(luma, image.width, image.height, SOBEL_Y);
      for (let i = 0; i < edges.length; i++)
        edges[i] = Math.min(255, Math.round(Math.hypot(gx[i] ?? 0, gy[i] ?? 0)));
    } else {
      const lap = convolve3(luma, image.width, image.height, LAPLACIAN);
      for (let i = 0; i < edges.length; i++) edges[i] = Math.min(255, Math.round(Math.abs(lap[i] ?? 0)));
    }
    return [out.image('image', grayRaster(edges, image, PNG))];
  },
});
