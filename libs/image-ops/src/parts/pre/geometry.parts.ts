// Geometric pre-processing: resize, crop, rotate, flip.
import { pipelineFrom, rasterFrom } from '../../adapters/sharp.adapter';
import { colorSchema, parseColor } from '../../core/colors';
import { clipRect } from '../../core/geometry';
import { definePart, IMAGE_IN, IMAGE_OUT, out } from '../../core/part';
import { ImageOpError } from '../../errors/image-op.error';

const dimension = (description: string) => ({ type: 'integer', minimum: 1, maximum: 16_384, description });

export type ResizeFit = 'cover' | 'contain' | 'fill' | 'inside' | 'outside';
export interface ResizeParams {
  width?: number;
  height?: number;
  fit: ResizeFit;
  withoutEnlargement: boolean;
  background: string;
}

export const resizePart = definePart<ResizeParams>({
  id: 'pre.resize',
  version: '1.0.0',
  category: 'pre',
  title: { en: 'Resize', ja: 'リサイズ' },
  description: {
    en: 'Scales the image to a width and/or height. With only one side given the aspect ratio is kept.',
    ja: '画像を指定の幅・高さに拡大縮小します。片方のみ指定した場合は縦横比を保ちます。',
  },
  inputs: [IMAGE_IN],
  outputs: [IMAGE_OUT],
  parameters: {
    type: 'object',
    additionalProperties: false,
    properties: {
      width: dimension('Target width in pixels.'),
      height: dimension('Target height in pixels.'),
      fit: {
        type: 'string',
        enum: ['cover', 'contain', 'fill', 'inside', 'outside'],
        default: 'inside',
        description:
          'cover: fill the box, crop the overflow; contain: fit inside, pad with the background; fill: stretch; inside / outside: keep the aspect ratio, at most / at least the box.',
      },
      withoutEnlargement: { type: 'boolean', default: false, description: 'Never make the image larger.' },
      background: colorSchema('#000000', 'Padding colour for fit = contain.'),
    },
  },
  async run(inputs, p) {
    if (p.width === undefined && p.height === undefined) {
      throw new ImageOpError('INVALID_PARAMETERS', 'pre.resize: give width, height or both');
    }
    const image = inputs.image('image');
    const pipeline = pipelineFrom(image).resize({
      width: p.width,
      height: p.height,
      fit: p.fit,
      withoutEnlargement: p.withoutEnlargement,
      background: parseColor(p.background),
    });
    return [out.image('image', await rasterFrom(pipeline, image.encoding))];
  },
});

export interface CropParams {
  x: number;
  y: number;
  width: number;
  height: number;
  units: 'px' | 'relative';
}

export const cropPart = definePart<CropParams>({
  id: 'pre.crop',
  version: '1.0.0',
  category: 'pre',
  title: { en: 'Crop', ja: 'トリミング' },
  description: {
    en: 'Cuts out a rectangle, in pixels or as fractions of the image size. The part of the rectangle outside the image is dropped.',
    ja: '矩形領域を切り出します（ピクセルまたは画像サイズに対する比率）。画像外の部分は除外されます。',
  },
  inputs: [IMAGE_IN],
  outputs: [IMAGE_OUT],
  parameters: {
    type: 'object',
    additionalProperties: false,
    required: ['width', 'height'],
    properties: {
      x: { type: 'number', minimum: 0, default: 0, description: 'Left edge.' },
      y: { type: 'number', minimum: 0, default: 0, description: 'Top edge.' },
      width: { type: 'number', exclusiveMinimum: 0, description: 'Width of the rectangle.' },
      height: { type: 'number', exclusiveMinimum: 0, description: 'Height of the rectangle.' },
      units: {
        type: 'string',
        enum: ['px', 'relative'],
        default: 'px',
        description: 'px: pixels; relative: fractions (0–1) of the image width and height.',
      },
    },
  },
  async run(inputs, p) {
    const image = inputs.image('image');
    const sx = p.units === 'relative' ? image.width : 1;
    const sy = p.units === 'relative' ? image.height : 1;
    const rect = clipRect(
      { x: p.x * sx, y: p.y * sy, width: p.width * sx, height: p.height * sy },
      image.width,
      image.height,
    );
    if (!rect) {
      throw new ImageOpError(
        'INVALID_PARAMETERS',
        `pre.crop: the rectangle (${p.x}, ${p.y}, ${p.width}×${p.height} ${p.units}) lies outside the ${image.width}×${image.height} image`,
      );
    }
    return [out.image('image', await rasterFrom(pipelineFrom(image).extract(rect), image.encoding))];
  },
});

export interface RotateParams {
  angle: number;
  background: string;
}

export const rotatePart = definePart<RotateParams>({
  id: 'pre.rotate',
  version: '1.0.0',
  category: 'pre',
  title: { en: 'Rotate', ja: '回転' },
  description: {
    en: 'Rotates clockwise by an angle in degrees. Multiples of 90° are exact; other angles enlarge the canvas and fill the corners with the background.',
    ja: '指定角度（度）だけ時計回りに回転します。90°の倍数は劣化なし、それ以外はキャンバスを広げ背景色で埋めます。',
  },
  inputs: [IMAGE_IN],
  outputs: [IMAGE_OUT],
  parameters: {
    type: 'object',
    additionalProperties: false,
    properties: {
      angle: { type: 'number', minimum: -360, maximum: 360, default: 90, description: 'Degrees, clockwise.' },
      background: colorSchema('#000000', 'Fill for the corners uncovered by a non-right angle.'),
    },
  },
  async run(inputs, p) {
    const image = inputs.image('image');
    const pipeline = pipelineFrom(image).rotate(p.angle, { background: parseColor(p.background) });
    return [out.image('image', await rasterFrom(pipeline, image.encoding))];
  },
});

export interface FlipParams {
  horizontal: boolean;
  vertical: boolean;
}

export const flipPart = definePart<FlipParams>({
  id: 'pre.flip',
  version: '1.0.0',
  category: 'pre',
  title: { en: 'Flip / mirror', ja: '反転' },
  description: {
    en: 'Mirrors the image left-right (horizontal) and/or top-bottom (vertical).',
    ja: '画像を左右（水平）および／または上下（垂直）に反転します。',
  },
  inputs: [IMAGE_IN],
  outputs: [IMAGE_OUT],
  parameters: {
    type: 'object',
    additionalProperties: false,
    properties: {
      horizontal: { type: 'boolean', default: true, description: 'Mirror left-right.' },
      vertical: { type: 'boolean', default: false, description: 'Mirror top-bottom.' },
    },
  },
  async run(inputs, p) {
    const image = inputs.image('image');
    // sharp's flop() mirrors left-right, flip() top-bottom.
    const pipeline = pipelineFrom(image).flop(p.horizontal).flip(p.vertical);
    return [out.image('image', await rasterFrom(pipeline, image.encoding))];
  },
});
