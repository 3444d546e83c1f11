// The gateway's one use of sharp (libvips): decide whether uploaded bytes are an image we accept.
// Tuning (cache, concurrency, strictness) lives here and nowhere else.
import sharp, { type FailOnOptions } from 'sharp';
import { IngestRejection } from '../ingest-rejection';

export const FORMAT_CONTENT_TYPES: Readonly<Record<string, string>> = {
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  tiff: 'image/tiff',
  gif: 'image/gif',
  avif: 'image/avif',
  heif: 'image/heif',
};

export interface ImageProbeOptions {
  /** sharp format names accepted, e.g. jpeg, png, webp, tiff. */
  formats: readonly string[];
  maxPixels: number;
  /** Concurrent decodes; each may hold a decoded (shrunk) image. */
  concurrency: number;
  /** libvips strictness: `warning` refuses anything libvips complains about (truncation included). */
  failOn?: FailOnOptions;
}

export interface ProbedImage {
  format: string;
  contentType: string;
  width: number;
  height: number;
}

const megapixels = (pixels: number): string => `${(pixels / 1e6).toFixed(1)} MP`;
const messageOf = (error: unknown): string =>
  (error instanceof Error ? error.message : String(error)).replace(/\s+/g, ' ').trim();

/** A counting semaphore: at most `limit` decodes at once, the rest queue in arrival order. */
class Semaphore {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly limit: number) {}

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.active += 1;
    try {
      return await work();
    } finally {
      this.active -= 1;
      this.waiting.shift()?.();
    }
  }
}

export class ImageProbe {
  private readonly semaphore: Semaphore;
  private readonly failOn: FailOnOptions;

  constructor(private readonly options: ImageProbeOptions) {
    this.semaphore = new Semaphore(options.concurrency);
    this.failOn = options.failOn ?? 'warning';
    // Every upload is a different image: libvips' operation cache would only hold memory.
    sharp.cache(false);
  }

  /**
   * Reads the header (format, dimensions), checks the format and the pixel limit, then decodes the whole
   * image (shrunk on load) so a truncated or corrupt file is refused here and not by a stage worker later.
   */
  probe(bytes: Buffer): Promise<ProbedImage> {
    return this.semaphore.run(() => this.inspect(bytes));
  }

  private async inspect(bytes: Buffer): Promise<ProbedImage> {
    if (bytes.length === 0) throw new IngestRejection('corrupt', 'the upload is empty: send the image bytes');
    let metadata: sharp.Metadata;
    try {
      // The pixel limit is checked below with a clear message; here libvips must not refuse first.
      metadata = await sharp(bytes, { failOn: this.failOn, limitInputPixels: false }).metadata();
    } catch (error) {
      throw new IngestRejection('corrupt', `the bytes are not a readable image: ${messageOf(error)}`);
    }
    const format = metadata.format ?? 'unknown';
    if (!this.options.formats.includes(format)) {
      throw new IngestRejection(
        'unsupported_format',
        `image format "${format}" is not accepted; send one of: ${this.options.formats.join(', ')}`,
      );
    }
    const { width, height } = metadata;
    if (!width || !height) throw new IngestRejection('corrupt', `the ${format} header carries no dimensions`);
    const pixels = width * height;
    if (pixels > this.options.maxPixels) {
      throw new IngestRejection(
        'too_many_pixels',
        `image is ${width}×${height} = ${megapixels(pixels)}, over the limit of ${megapixels(this.options.maxPixels)} (INGEST_MAX_PIXELS=${this.options.maxPixels})`,
      );
    }
    try {
      await sharp(bytes, { failOn: this.failOn, limitInputPixels: this.options.maxPixels })
        .resize({ width: 256, height: 256, fit: 'inside', withoutEnlargement: true })
        .raw()
        .toBuffer();
    } catch (error) {
      throw new IngestRejection('corrupt', `the ${format} image does not decode: ${messageOf(error)}`);
    }
    return { format, contentType: FORMAT_CONTENT_TYPES[format] ?? 'application/octet-stream', width, height };
  }
}
