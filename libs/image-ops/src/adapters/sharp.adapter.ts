// The one place that imports sharp (libvips). Global tuning (thread pool, operation cache) and the
// per-image guards (pixel limit, how strictly a damaged file fails) live here and nowhere else.
import sharp, { type Sharp } from 'sharp';
import { ImageOpError } from '../errors/image-op.error';
import { CONTENT_TYPES, defaultEncodingFor, type EncodeOptions, type RasterImage } from '../core/raster';

export type { Sharp as SharpPipeline };

export interface ImageLimits {
  /** Largest encoded input accepted, in bytes. */
  maxInputBytes: number;
  /** Largest decoded input accepted, in pixels (width × height): the guard against decompression bombs. */
  maxInputPixels: number;
}

export const DEFAULT_LIMITS: ImageLimits = {
  maxInputBytes: 50 * 1024 * 1024,
  // 8192 × 8192: above any line camera in use, far below what a bomb expands to.
  maxInputPixels: 8192 * 8192,
};

export interface SharpTuning {
  /** libvips worker threads per operation; 0 = one per CPU core. */
  concurrency?: number;
  /** libvips operation cache in MB; 0 disables it (each request brings new pixels, so hits are rare). */
  cacheMemoryMb?: number;
}

/** Applies process-wide libvips settings. Call once at start-up; returns what is in effect. */
export function configureSharp(tuning: SharpTuning = {}): { concurrency: number; cacheMemoryMb: number } {
  const concurrency = sharp.concurrency(tuning.concurrency ?? 0);
  const cacheMemoryMb = tuning.cacheMemoryMb ?? 0;
  sharp.cache(cacheMemoryMb > 0 ? { memory: cacheMemoryMb, files: 0, items: 100 } : false);
  return { concurrency, cacheMemoryMb };
}

/** Formats taken as input. SVG and PDF are refused: they are programs, not camera images. */
const INPUT_FORMATS = new Set(['jpeg', 'png', 'webp', 'tiff', 'gif', 'avif', 'heif']);

const describeFailure = (error: unknown): string =>
  (error instanceof Error ? error.message : String(error)).split('\n')[0]?.trim() ?? 'unknown error';

/** Decodes encoded bytes into an auto-oriented raster, enforcing byte and pixel limits first. */
export async function decodeImage(
  bytes: Uint8Array,
  limits: ImageLimits,
  what = 'image',
): Promise<RasterImage> {
  if (bytes.byteLength === 0) throw new ImageOpError('CORRUPT_IMAGE', `${what}: empty input (0 bytes)`);
  if (bytes.byteLength > limits.maxInputBytes) {
    throw new ImageOpError(
      'IMAGE_TOO_LARGE',
      `${what}: ${bytes.byteLength} bytes is over the limit of ${limits.maxInputBytes} bytes`,
    );
  }
  const input = Buffer.isBuffer(bytes)
    ? bytes
    : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const open = () =>
    sharp(input, { limitInputPixels: limits.maxInputPixels, failOn: 'truncated', autoOrient: true });

  let metadata: sharp.Metadata;
  try {
    // Reading the header decodes no pixels, so it runs unlimited and the limit below can name the size.
    metadata = await sharp(input, { limitInputPixels: false }).metadata();
  } catch (error) {
    throw new ImageOpError('CORRUPT_IMAGE', `${what}: not a decodable image (${describeFailure(error)})`, {
      cause: error,
    });
  }
  if (!metadata.format || !INPUT_FORMATS.has(metadata.format)) {
    throw new ImageOpError(
      'UNSUPPORTED_FORMAT',
      `${what}: format "${metadata.format ?? 'unknown'}" is not accepted (use ${[...INPUT_FORMATS].join(', ')})`,
    );
  }
  const pixels = (metadata.width ?? 0) * (metadata.height ?? 0);
  if (pixels > limits.maxInputPixels) {
    throw new ImageOpError(
      'IMAGE_TOO_LARGE',
      `${what}: ${metadata.width}×${metadata.height} = ${pixels} pixels is over the limit of ${limits.maxInputPixels} pixels`,
    );
  }
  try {
    const decoder =
      metadata.space === 'b-w' || metadata.space === 'grey16' ? open().toColourspace('b-w') : open();
    const { data, info } = await decoder.raw().toBuffer({ resolveWithObject: true });
    return {
      data,
      width: info.width,
      height: info.height,
      channels: info.channels,
      encoding: defaultEncodingFor(metadata.format),
    };
  } catch (error) {
    const reason = describeFailure(error);
    if (/pixel limit/i.test(reason)) {
      throw new ImageOpError(
        'IMAGE_TOO_LARGE',
        `${what}: over the limit of ${limits.maxInputPixels} pixels (${reason})`,
        { cause: error },
      );
    }
    throw new ImageOpError('CORRUPT_IMAGE', `${what}: image data is damaged (${reason})`, { cause: error });
  }
}

/** A sharp pipeline over a raster's pixels, for the parts' operations. */
export function pipelineFrom(image: RasterImage): Sharp {
  const pipeline = sharp(image.data, {
    raw: { width: image.width, height: image.height, channels: image.channels },
  });
  // libvips writes sRGB unless told otherwise; gray stays gray (one channel, or two with alpha).
  return image.channels <= 2 ? pipeline.toColourspace('b-w') : pipeline;
}

/** Runs a pipeline to raw pixels; `encoding` carries over from the source unless given. */
export async function rasterFrom(pipeline: Sharp, encoding: EncodeOptions): Promise<RasterImage> {
  const { data, info } = await pipeline.raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: info.channels, encoding };
}

/** Encodes SVG markup (built by the parts, never taken from a request) into a raster of the given size. */
export async function rasterizeSvg(svg: string, width: number, height: number): Promise<Buffer> {
  return sharp(Buffer.from(svg)).resize(width, height, { fit: 'fill' }).png().toBuffer();
}

export interface EncodedImage {
  data: Buffer;
  contentType: string;
  width: number;
  height: number;
}

export async function encodeImage(image: RasterImage): Promise<EncodedImage> {
  const { format, quality, lossless } = image.encoding;
  let pipeline = pipelineFrom(image);
  if (format === 'jpeg') pipeline = pipeline.jpeg({ quality: quality ?? 90 });
  else if (format === 'webp')
    pipeline = pipeline.webp({ quality: quality ?? 90, lossless: lossless ?? false });
  else pipeline = pipeline.png({ compressionLevel: 6 });
  const data = await pipeline.toBuffer();
  return { data, contentType: CONTENT_TYPES[format], width: image.width, height: image.height };
}

/** Channel statistics, entropy and sharpness (std-dev of a Laplacian) computed by libvips. */
export async function imageStats(image: RasterImage): Promise<sharp.Stats> {
  return pipelineFrom(image).stats();
}
