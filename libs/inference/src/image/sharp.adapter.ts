import sharp from 'sharp';
import { InferenceError } from '../errors';
import type { RgbImage } from './preprocess';

export interface ImageAdapterOptions {
  /** Decoded pixel limit against decompression bombs. */
  maxPixels: number;
}

/** The one place this library touches sharp/libvips: decode, resize and crop to raw RGB. */
export class SharpImageAdapter {
  constructor(private readonly options: ImageAdapterOptions) {}

  /** Decodes any supported format to RGB, EXIF orientation applied, alpha dropped. */
  async decode(bytes: Uint8Array): Promise<RgbImage> {
    if (bytes.length === 0) throw new InferenceError('CORRUPT_IMAGE', 'image is empty');
    try {
      const { data, info } = await sharp(bytes, { limitInputPixels: this.options.maxPixels, failOn: 'error' })
        .rotate()
        .removeAlpha()
        .toColourspace('srgb')
        .raw()
        .toBuffer({ resolveWithObject: true });
      return toRgb(data, info.width, info.height, info.channels);
    } catch (error) {
      const message = (error as Error).message;
      if (/pixel limit/i.test(message)) {
        throw new InferenceError(
          'IMAGE_TOO_LARGE',
          `image exceeds the limit of ${this.options.maxPixels} pixels`,
          { cause: error },
        );
      }
      throw new InferenceError('CORRUPT_IMAGE', `image cannot be decoded: ${message}`, { cause: error });
    }
  }

  /** Bilinear resize to exactly width x height. */
  async resize(image: RgbImage, width: number, height: number): Promise<RgbImage> {
    if (image.width === width && image.height === height) return image;
    const { data, info } = await sharp(image.data, {
      raw: { width: image.width, height: image.height, channels: 3 },
    })
      .resize(width, height, { fit: 'fill', kernel: 'linear' })
      .raw()
      .toBuffer({ resolveWithObject: true });
    return toRgb(data, info.width, info.height, info.channels);
  }

  /** Crops an integer rectangle that lies inside the image. */
  async crop(
    image: RgbImage,
    rect: { left: number; top: number; width: number; height: number },
  ): Promise<RgbImage> {
    const { data, info } = await sharp(image.data, {
      raw: { width: image.width, height: image.height, channels: 3 },
    })
      .extract(rect)
      .raw()
      .toBuffer({ resolveWithObject: true });
    return toRgb(data, info.width, info.height, info.channels);
  }

  /** Turns the image upside down (text lines the orientation classifier finds at 180 degrees). */
  async rotate180(image: RgbImage): Promise<RgbImage> {
    const { data, info } = await sharp(image.data, {
      raw: { width: image.width, height: image.height, channels: 3 },
    })
      .rotate(180)
      .raw()
      .toBuffer({ resolveWithObject: true });
    return toRgb(data, info.width, info.height, info.channels);
  }
}

function toRgb(data: Buffer, width: number, height: number, channels: number): RgbImage {
  if (channels === 3)
    return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width, height };
  const out = new Uint8Array(width * height * 3);
  for (let p = 0; p < width * height; p++) {
    for (let c = 0; c < 3; c++) out[p * 3 + c] = data[p * channels + Math.min(c, channels - 1)] ?? 0;
  }
  return { data: out, width, height };
}
