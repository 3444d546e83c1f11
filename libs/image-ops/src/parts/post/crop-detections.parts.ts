// Cropping what a detector found. A step has one value per output port (as StepOutput in the event log),
// so "each detection" comes in two useful shapes: one chosen detection as its own image
// (post.crop-detection, e.g. the best-scoring label for OCR or classification), or every matching detection
// tiled into one contact sheet whose DETECTIONS output gives each tile's cell (post.crop-detections-grid).
import { pipelineFrom, rasterFrom } from '../../adapters/sharp.adapter';
import { colorSchema, parseColor } from '../../core/colors';
import { clipRect } from '../../core/geometry';
import { definePart, IMAGE_IN, IMAGE_OUT, out, port, PortKind, type Detection } from '../../core/part';
import { solidRaster, type RasterImage } from '../../core/raster';
import { ImageOpError } from '../../errors/image-op.error';
import { detectionFilterSchema, padBox, selectDetections, type DetectionFilter } from './detection-select';

const DETECTIONS_IN = port('detections', PortKind.DETECTIONS, true, { en: 'Detections', ja: '検出結果' });

const onNoMatchSchema = {
  type: 'string',
  enum: ['error', 'whole-image'],
  default: 'error',
  description: 'When nothing matches: fail the step, or pass the whole image on.',
};

export interface CropDetectionParams extends DetectionFilter {
  index: number;
  padding: number;
  onNoMatch: 'error' | 'whole-image';
}

export const cropDetectionPart = definePart<CropDetectionParams>({
  id: 'post.crop-detection',
  version: '1.0.0',
  category: 'post',
  title: { en: 'Crop detection', ja: '検出領域の切り出し' },
  description: {
    en: 'Cuts out one detected region: the best-scoring match of the label filter, or the n-th best. Its box, relative to the crop, is the detections output.',
    ja: 'ラベル条件に合う検出のうち最高スコア（またはn番目）の領域を切り出します。切り出し画像内での枠を検出結果として出力します。',
  },
  inputs: [IMAGE_IN, DETECTIONS_IN],
  outputs: [
    IMAGE_OUT,
    port('detections', PortKind.DETECTIONS, true, { en: 'Cropped detection', ja: '切り出した検出' }),
  ],
  parameters: {
    type: 'object',
    additionalProperties: false,
    properties: {
      ...detectionFilterSchema,
      index: {
        type: 'integer',
        minimum: 0,
        default: 0,
        description: '0 = best-scoring match, 1 = second best, …',
      },
      padding: {
        type: 'number',
        minimum: 0,
        maximum: 2,
        default: 0,
        description: 'Margin as a fraction of the box size.',
      },
      onNoMatch: onNoMatchSchema,
    },
  },
  async run(inputs, p) {
    const image = inputs.image('image');
    const matches = selectDetections(inputs.detections('detections'), p);
    const chosen = matches[p.index];
    const rect = chosen && clipRect(padBox(chosen, p.padding), image.width, image.height);
    if (!chosen || !rect) {
      if (p.onNoMatch === 'whole-image') return [out.image('image', image), out.detections('detections', [])];
      throw new ImageOpError(
        'NO_MATCH',
        `post.crop-detection: no detection #${p.index} inside the image among ${matches.length} matching (label "${p.label || '*'}", score ≥ ${p.minScore})`,
      );
    }
    const crop = await rasterFrom(pipelineFrom(image).extract(rect), image.encoding);
    const moved: Detection = { ...chosen, x: chosen.x - rect.left, y: chosen.y - rect.top };
    return [out.image('image', crop), out.detections('detections', [moved])];
  },
});

export interface CropGridParams extends DetectionFilter {
  maxCount: number;
  cellSize: number;
  columns: number;
  padding: number;
  background: string;
  onNoMatch: 'error' | 'whole-image';
}

export const cropDetectionsGridPart = definePart<CropGridParams>({
  id: 'post.crop-detections-grid',
  version: '1.0.0',
  category: 'post',
  title: { en: 'Crop all detections (grid)', ja: '全検出領域の切り出し（グリッド）' },
  description: {
    en: 'Cuts out every matching detection, best first, scales each into a square cell and tiles them into one image. The detections output holds each cell, with the label, score and text of its detection.',
    ja: '条件に合う全検出をスコア順に切り出し、正方形セルに縮小して1枚に並べます。検出結果として各セルの位置と元のラベル・スコア・文字列を出力します。',
  },
  inputs: [IMAGE_IN, DETECTIONS_IN],
  outputs: [IMAGE_OUT, port('detections', PortKind.DETECTIONS, true, { en: 'Cells', ja: 'セル' })],
  parameters: {
    type: 'object',
    additionalProperties: false,
    properties: {
      ...detectionFilterSchema,
      maxCount: {
        type: 'integer',
        minimum: 1,
        maximum: 256,
        default: 32,
        description: 'At most this many crops.',
      },
      cellSize: {
        type: 'integer',
        minimum: 8,
        maximum: 1024,
        default: 128,
        description: 'Cell side in pixels.',
      },
      columns: { type: 'integer', minimum: 1, maximum: 64, default: 4, description: 'Cells per row.' },
      padding: {
        type: 'number',
        minimum: 0,
        maximum: 2,
        default: 0,
        description: 'Margin as a fraction of the box size.',
      },
      background: colorSchema('#000000', 'Colour around crops that do not fill their cell.'),
      onNoMatch: onNoMatchSchema,
    },
  },
  async run(inputs, p) {
    const image = inputs.image('image');
    const picked = selectDetections(inputs.detections('detections'), p)
      .map((d) => ({ d, rect: clipRect(padBox(d, p.padding), image.width, image.height) }))
      .filter((c): c is { d: Detection; rect: NonNullable<typeof c.rect> } => c.rect !== undefined)
      .slice(0, p.maxCount);
    if (picked.length === 0) {
      if (p.onNoMatch === 'whole-image') return [out.image('image', image), out.detections('detections', [])];
      throw new ImageOpError(
        'NO_MATCH',
        `post.crop-detections-grid: no detection matches (label "${p.label || '*'}", score ≥ ${p.minScore})`,
      );
    }
    const background = parseColor(p.background);
    const columns = Math.min(p.columns, picked.length);
    const rows = Math.ceil(picked.length / columns);
    const tiles: RasterImage[] = await Promise.all(
      picked.map(({ rect }) =>
        rasterFrom(
          pipelineFrom(image).extract(rect).resize(p.cellSize, p.cellSize, { fit: 'contain', background }),
          image.encoding,
        ),
      ),
    );
    const sheet = pipelineFrom(
      solidRaster(columns * p.cellSize, rows * p.cellSize, image.channels, background, image.encoding),
    ).composite(
      tiles.map((tile, i) => ({
        input: tile.data,
        raw: { width: tile.width, height: tile.height, channels: tile.channels },
        left: (i % columns) * p.cellSize,
        top: Math.floor(i / columns) * p.cellSize,
      })),
    );
    const cells: Detection[] = picked.map(({ d }, i) => ({
      ...d,
      x: (i % columns) * p.cellSize,
      y: Math.floor(i / columns) * p.cellSize,
      width: p.cellSize,
      height: p.cellSize,
    }));
    // Compositing adds an alpha channel; an opaque source gives an opaque sheet.
    const opaque = image.channels === 1 || image.channels === 3 ? sheet.removeAlpha() : sheet;
    return [
      out.image('image', await rasterFrom(opaque, image.encoding)),
      out.detections('detections', cells),
    ];
  },
});
