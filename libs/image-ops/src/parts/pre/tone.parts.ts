// Tone and filtering pre-processing: grayscale, normalize, CLAHE, blur, sharpen, format conversion.
import { pipelineFrom, rasterFrom } from '../../adapters/sharp.adapter';
import { definePart, IMAGE_IN, IMAGE_OUT, out } from '../../core/part';
import { clahe } from '../../core/clahe';
import { grayRaster, toLuma } from '../../core/raster';
import { ImageOpError } from '../../errors/image-op.error';

const NO_PARAMETERS = { type: 'object', additionalProperties: false, properties: {} };

export const grayscalePart = definePart<Record<string, never>>({
  id: 'pre.grayscale',
  version: '1.0.0',
  category: 'pre',
  title: { en: 'Grayscale', ja: 'グレースケール' },
  description: {
    en: 'Converts to one luminance channel (BT.601 weights); alpha is dropped.',
    ja: '輝度1チャンネル（BT.601）に変換します。アルファは破棄されます。',
  },
  inputs: [IMAGE_IN],
  outputs: [IMAGE_OUT],
  parameters: NO_PARAMETERS,
  async run(inputs) {
    const image = inputs.image('image');
    return [out.image('image', grayRaster(toLuma(image), image))];
  },
});

export interface NormalizeParams {
  lower: number;
  upper: number;
}

export const normalizePart = definePart<NormalizeParams>({
  id: 'pre.normalize',
  version: '1.0.0',
  category: 'pre',
  title: { en: 'Normalize contrast', ja: 'コントラスト正規化' },
  description: {
    en: 'Stretches luminance so that the lower percentile becomes black and the upper percentile white.',
    ja: '下位パーセンタイルを黒、上位パーセンタイルを白にするよう輝度を引き伸ばします。',
  },
  inputs: [IMAGE_IN],
  outputs: [IMAGE_OUT],
  parameters: {
    type: 'object',
    additionalProperties: false,
    properties: {
      lower: {
        type: 'number',
        minimum: 0,
        maximum: 99,
        default: 1,
        description: 'Percentile mapped to black.',
      },
      upper: {
        type: 'number',
        minimum: 1,
        maximum: 100,
        default: 99,
        description: 'Percentile mapped to white.',
      },
    },
  },
  async run(inputs, p) {
    if (p.lower >= p.upper) {
      throw new ImageOpError(
        'INVALID_PARAMETERS',
        `pre.normalize: lower (${p.lower}) must be below upper (${p.upper})`,
      );
    }
    const image = inputs.image('image');
    const pipeline = pipelineFrom(image).normalise({ lower: p.lower, upper: p.upper });
    return [out.image('image', await rasterFrom(pipeline, image.encoding))];
  },
});

export interface ClaheParams {
  tiles: number;
  clipLimit: number;
}

export const clahePart = definePart<ClaheParams>({
  id: 'pre.clahe',
  version: '1.0.0',
  category: 'pre',
  title: { en: 'CLAHE (local contrast)', ja: 'CLAHE（局所コントラスト強調）' },
  description: {
    en: 'Contrast-limited adaptive histogram equalisation of the luminance (as OpenCV createCLAHE): brings out detail in dark and bright regions of unevenly lit parts; colour is kept.',
    ja: '輝度のコントラスト制限付き適応ヒストグラム平坦化（OpenCVのCLAHE相当）。照明むらのある画像の暗部・明部の細部を強調します。色味は保持されます。',
  },
  inputs: [IMAGE_IN],
  outputs: [IMAGE_OUT],
  parameters: {
    type: 'object',
    additionalProperties: false,
    properties: {
      tiles: {
        type: 'integer',
        minimum: 1,
        maximum: 64,
        default: 8,
        description: 'Regions per side (tiles × tiles grid).',
      },
      clipLimit: {
        type: 'number',
        minimum: 1,
        maximum: 100,
        default: 2,
        description:
          'Contrast limit, as a multiple of the mean histogram bin; 1 = no change, higher = stronger.',
      },
    },
  },
  async run(inputs, p) {
    const image = inputs.image('image');
    const luma = toLuma(image);
    const equalised = clahe(luma, image.width, image.height, p.tiles, p.clipLimit);
    if (image.channels <= 2) {
      const data = Buffer.from(image.data);
      for (let i = 0; i < equalised.length; i++) data[i * image.channels] = equalised[i] ?? 0;
      return [out.image('image', { ...image, data })];
    }
    // Shifting R, G and B by the same amount changes Y and keeps Cb and Cr: the colour stays.
    const data = Buffer.from(image.data);
    for (let i = 0, p0 = 0; i < equalised.length; i++, p0 += image.channels) {
      const delta = (equalised[i] ?? 0) - (luma[i] ?? 0);
      for (let c = 0; c < 3; c++) data[p0 + c] = Math.min(255, Math.max(0, (data[p0 + c] ?? 0) + delta));
    }
    return [out.image('image', { ...image, data })];
  },
});

export interface BlurParams {
  sigma: number;
}

export const blurPart = definePart<BlurParams>({
  id: 'pre.blur',
  version: '1.0.0',
  category: 'pre',
  title: { en: 'Gaussian blur', ja: 'ぼかし（ガウシアン）' },
  description: {
    en: 'Gaussian blur; suppresses sensor noise before thresholding or edge detection.',
    ja: 'ガウシアンぼかし。二値化やエッジ検出の前にノイズを抑えます。',
  },
  inputs: [IMAGE_IN],
  outputs: [IMAGE_OUT],
  parameters: {
    type: 'object',
    additionalProperties: false,
    properties: {
      sigma: {
        type: 'number',
        minimum: 0.3,
        maximum: 100,
        default: 2,
        description: 'Standard deviation in pixels.',
      },
    },
  },
  async run(inputs, p) {
    const image = inputs.image('image');
    return [out.image('image', await rasterFrom(pipelineFrom(image).blur(p.sigma), image.encoding))];
  },
});

export interface SharpenParams {
  sigma: number;
  flat: number;
  jagged: number;
}

export const sharpenPart = definePart<SharpenParams>({
  id: 'pre.sharpen',
  version: '1.0.0',
  category: 'pre',
  title: { en: 'Sharpen', ja: 'シャープ化' },
  description: {
    en: 'Unsharp masking of the luminance channel.',
    ja: '輝度チャンネルにアンシャープマスクを適用します。',
  },
  inputs: [IMAGE_IN],
  outputs: [IMAGE_OUT],
  parameters: {
    type: 'object',
    additionalProperties: false,
    properties: {
      sigma: {
        type: 'number',
        minimum: 0.000001,
        maximum: 10,
        default: 1,
        description: 'Gaussian mask sigma.',
      },
      flat: {
        type: 'number',
        minimum: 0,
        maximum: 1000,
        default: 1,
        description: 'Sharpening of flat areas.',
      },
      jagged: {
        type: 'number',
        minimum: 0,
        maximum: 1000,
        default: 2,
        description: 'Sharpening of jagged areas.',
      },
    },
  },
  async run(inputs, p) {
    const image = inputs.image('image');
    const pipeline = pipelineFrom(image).sharpen({ sigma: p.sigma, m1: p.flat, m2: p.jagged });
    return [out.image('image', await rasterFrom(pipeline, image.encoding))];
  },
});

export interface ConvertFormatParams {
  format: 'jpeg' | 'png' | 'webp';
  quality: number;
  lossless: boolean;
}

export const convertFormatPart = definePart<ConvertFormatParams>({
  id: 'pre.convert-format',
  version: '1.0.0',
  category: 'pre',
  title: { en: 'Convert format', ja: 'フォーマット変換' },
  description: {
    en: 'Re-encodes the image as JPEG, PNG or WebP with the given quality.',
    ja: '画像をJPEG・PNG・WebPに指定品質で再エンコードします。',
  },
  inputs: [IMAGE_IN],
  outputs: [IMAGE_OUT],
  parameters: {
    type: 'object',
    additionalProperties: false,
    properties: {
      format: {
        type: 'string',
        enum: ['jpeg', 'png', 'webp'],
        default: 'png',
        description: 'Output encoding.',
      },
      quality: {
        type: 'integer',
        minimum: 1,
        maximum: 100,
        default: 85,
        description: 'JPEG / lossy WebP quality.',
      },
      lossless: { type: 'boolean', default: false, description: 'Lossless WebP.' },
    },
  },
  async run(inputs, p) {
    const image = inputs.image('image');
    return [
      out.image('image', {
        ...image,
        encoding: { format: p.format, quality: p.quality, lossless: p.lossless },
      }),
    ];
  },
});
