// Measurements useful on a line: exposure and focus of a capture, and the area of bright or dark blobs
// (stains, holes, solder, glue) after a threshold. Names are stable: post.judge rules refer to them.
import { imageStats } from '../../adapters/sharp.adapter';
import { definePart, IMAGE_IN, out, port, PortKind, type Detection, type Measurement } from '../../core/part';
import { grayRaster, toLuma } from '../../core/raster';

const MEASUREMENTS_OUT = port('measurements', PortKind.MEASUREMENTS, true, {
  en: 'Measurements',
  ja: '計測値',
});

const m = (name: string, value: number, unit: string): Measurement => ({ name, value, unit });

/** The value below which `fraction` of the histogram's samples lie. */
function percentile(histogram: Float64Array, total: number, fraction: number): number {
  const target = fraction * total;
  let seen = 0;
  for (let v = 0; v < 256; v++) {
    seen += histogram[v] ?? 0;
    if (seen >= target) return v;
  }
  return 255;
}

export interface BrightnessParams {
  darkBelow: number;
  brightAbove: number;
}

export const measureBrightnessPart = definePart<BrightnessParams>({
  id: 'post.measure-brightness',
  version: '1.0.0',
  category: 'post',
  title: { en: 'Brightness and focus statistics', ja: '明るさ・ピント統計' },
  description: {
    en: 'Luminance statistics (mean, std-dev, min, max, 5th/50th/95th percentile), share of under- and over-exposed pixels, per-channel means, entropy and sharpness (std-dev of a Laplacian: low means out of focus).',
    ja: '輝度統計（平均・標準偏差・最小・最大・5/50/95パーセンタイル）、露出不足・過多画素の割合、チャンネル別平均、エントロピー、シャープネス（ラプラシアンの標準偏差。低いほどピンぼけ）を計測します。',
  },
  inputs: [IMAGE_IN],
  outputs: [MEASUREMENTS_OUT],
  parameters: {
    type: 'object',
    additionalProperties: false,
    properties: {
      darkBelow: {
        type: 'integer',
        minimum: 0,
        maximum: 255,
        default: 16,
        description: 'Luma below this counts as under-exposed.',
      },
      brightAbove: {
        type: 'integer',
        minimum: 0,
        maximum: 255,
        default: 239,
        description: 'Luma above this counts as over-exposed.',
      },
    },
  },
  async run(inputs, p) {
    const image = inputs.image('image');
    const luma = toLuma(image);
    const histogram = new Float64Array(256);
    let sum = 0;
    let squares = 0;
    let dark = 0;
    let bright = 0;
    for (const v of luma) {
      histogram[v] = (histogram[v] ?? 0) + 1;
      sum += v;
      squares += v * v;
      if (v < p.darkBelow) dark++;
      if (v > p.brightAbove) bright++;
    }
    const n = luma.length;
    const mean = sum / n;
    const stats = await imageStats(image);
    const results: Measurement[] = [
      m('luma_mean', mean, 'level'),
      m('luma_stddev', Math.sqrt(Math.max(0, squares / n - mean * mean)), 'level'),
      m('luma_min', percentile(histogram, n, 0), 'level'),
      m('luma_p05', percentile(histogram, n, 0.05), 'level'),
      m('luma_median', percentile(histogram, n, 0.5), 'level'),
      m('luma_p95', percentile(histogram, n, 0.95), 'level'),
      m('luma_max', percentile(histogram, n, 1), 'level'),
      m('dark_ratio', dark / n, 'ratio'),
      m('bright_ratio', bright / n, 'ratio'),
    ];
    if (image.channels >= 3) {
      ['r', 'g', 'b'].forEach((c, i) => results.push(m(`mean_${c}`, stats.channels[i]?.mean ?? 0, 'level')));
    }
    results.push(m('entropy', stats.entropy, 'bits'), m('sharpness', stats.sharpness, 'level'));
    return [out.measurements('measurements', results)];
  },
});

export interface Blob {
  area: number;
  left: number;
  top: number;
  right: number;
  bottom: number;
}

/** Connected components (8-connected) of the non-zero pixels: two passes with union-find. */
export function findBlobs(
  binary: Uint8Array,
  width: number,
  height: number,
): { labels: Int32Array; blobs: Map<number, Blob> } {
  const labels = new Int32Array(width * height);
  const parent: number[] = [0];
  const find = (a: number): number => {
    let root = a;
    while (parent[root] !== root) root = parent[root] ?? root;
    while (parent[a] !== root) {
      const next = parent[a] ?? root;
      parent[a] = root;
      a = next;
    }
    return root;
  };
  const union = (a: number, b: number) => {
    const ra = find(a);
    const rb = find(b);
    if (ra !== rb) parent[Math.max(ra, rb)] = Math.min(ra, rb);
  };
  // Already-visited neighbours (W, NW, N, NE) of the current pixel: the smallest label wins, the rest join it.
  let label = 0;
  const consider = (neighbour: number) => {
    if (neighbour === 0) return;
    if (label === 0) label = neighbour;
    else if (neighbour !== label) {
      union(label, neighbour);
      label = Math.min(label, neighbour);
    }
  };
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      if (!binary[i]) continue;
      label = 0;
      if (x > 0) consider(labels[i - 1] ?? 0);
      if (y > 0) {
        if (x > 0) consider(labels[i - width - 1] ?? 0);
        consider(labels[i - width] ?? 0);
        if (x < width - 1) consider(labels[i - width + 1] ?? 0);
      }
      if (label === 0) {
        label = parent.length;
        parent.push(label);
      }
      labels[i] = label;
    }
  }
  const blobs = new Map<number, Blob>();
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const raw = labels[i] ?? 0;
      if (raw === 0) continue;
      const root = find(raw);
      labels[i] = root;
      const blob = blobs.get(root);
      if (!blob) blobs.set(root, { area: 1, left: x, top: y, right: x, bottom: y });
      else {
        blob.area++;
        blob.left = Math.min(blob.left, x);
        blob.right = Math.max(blob.right, x);
        blob.top = Math.min(blob.top, y);
        blob.bottom = Math.max(blob.bottom, y);
      }
    }
  }
  return { labels, blobs };
}

export interface BlobParams {
  threshold: number;
  polarity: 'bright' | 'dark';
  minArea: number;
  maxDetections: number;
}

export const measureBlobsPart = definePart<BlobParams>({
  id: 'post.measure-blobs',
  version: '1.0.0',
  category: 'post',
  title: { en: 'Blob area', ja: 'ブロブ面積計測' },
  description: {
    en: 'Thresholds the luminance and measures the connected regions (8-connected) of at least the minimum area: foreground area and ratio, blob count, largest and mean blob area. Also outputs the blobs as boxes (largest first) and as a mask.',
    ja: '輝度を二値化し、最小面積以上の連結領域（8近傍）を計測します：前景面積と比率、ブロブ数、最大・平均面積。ブロブを枠（面積順）とマスクとしても出力します。',
  },
  inputs: [IMAGE_IN],
  outputs: [
    MEASUREMENTS_OUT,
    port('detections', PortKind.DETECTIONS, true, { en: 'Blobs', ja: 'ブロブ' }),
    port('mask', PortKind.MASK, true, { en: 'Blob mask', ja: 'ブロブマスク' }),
  ],
  parameters: {
    type: 'object',
    additionalProperties: false,
    properties: {
      threshold: { type: 'integer', minimum: 0, maximum: 255, default: 128, description: 'Luma threshold.' },
      polarity: {
        type: 'string',
        enum: ['bright', 'dark'],
        default: 'bright',
        description: 'bright: luma ≥ threshold is foreground; dark: luma < threshold is.',
      },
      minArea: {
        type: 'integer',
        minimum: 1,
        default: 1,
        description: 'Smaller regions are noise and ignored, in pixels.',
      },
      maxDetections: {
        type: 'integer',
        minimum: 0,
        maximum: 10_000,
        default: 100,
        description: 'At most this many boxes.',
      },
    },
  },
  async run(inputs, p) {
    const image = inputs.image('image');
    const luma = toLuma(image);
    const binary = new Uint8Array(luma.length);
    for (let i = 0; i < luma.length; i++) {
      const v = luma[i] ?? 0;
      binary[i] = (p.polarity === 'bright' ? v >= p.threshold : v < p.threshold) ? 1 : 0;
    }
    const { labels, blobs } = findBlobs(binary, image.width, image.height);
    const kept = [...blobs.entries()]
      .filter(([, b]) => b.area >= p.minArea)
      .sort((a, b) => b[1].area - a[1].area || a[0] - b[0]);
    const keptLabels = new Set(kept.map(([label]) => label));
    const mask = new Uint8Array(luma.length);
    for (let i = 0; i < labels.length; i++) if (keptLabels.has(labels[i] ?? 0)) mask[i] = 255;
    const area = kept.reduce((s, [, b]) => s + b.area, 0);
    const largest = kept[0]?.[1].area ?? 0;
    const measurements: Measurement[] = [
      m('blob_count', kept.length, 'count'),
      m('foreground_area', area, 'px'),
      m('foreground_ratio', area / luma.length, 'ratio'),
      m('largest_blob_area', largest, 'px'),
      m('mean_blob_area', kept.length > 0 ? area / kept.length : 0, 'px'),
    ];
    const detections: Detection[] = kept.slice(0, p.maxDetections).map(([, b]) => ({
      label: 'blob',
      score: largest > 0 ? b.area / largest : 0,
      x: b.left,
      y: b.top,
      width: b.right - b.left + 1,
      height: b.bottom - b.top + 1,
    }));
    return [
      out.measurements('measurements', measurements),
      out.detections('detections', detections),
      out.mask('mask', grayRaster(mask, image, { format: 'png' })),
    ];
  },
});
