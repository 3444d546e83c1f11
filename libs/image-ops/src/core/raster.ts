/** Encodings an image output can be written in. */
export type OutputFormat = 'jpeg' | 'png' | 'webp';

export interface EncodeOptions {
  format: OutputFormat;
  /** 1–100, for jpeg and lossy webp. */
  quality?: number;
  /** webp only. */
  lossless?: boolean;
}

/**
 * Decoded pixels: interleaved 8-bit samples, `channels` per pixel, rows top to bottom.
 * Every part computes on rasters; decoding and encoding happen once per Apply, at its borders,
 * which is what makes decode / compute / encode timings honest.
 */
export interface RasterImage {
  data: Buffer;
  width: number;
  height: number;
  channels: 1 | 2 | 3 | 4;
  /** How an output derived from this image is encoded unless the part says otherwise. */
  encoding: EncodeOptions;
}

/** Output encoding for a decoded input: keep jpeg / png / webp, anything else becomes png (lossless). */
export function defaultEncodingFor(sourceFormat: string | undefined): EncodeOptions {
  if (sourceFormat === 'jpeg' || sourceFormat === 'jpg') return { format: 'jpeg', quality: 90 };
  if (sourceFormat === 'webp') return { format: 'webp', quality: 90 };
  return { format: 'png' };
}

export const CONTENT_TYPES: Record<OutputFormat, string> = {
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
};

/** Luma (BT.601) of an interleaved raster, one byte per pixel; alpha is ignored. */
export function toLuma(image: RasterImage): Uint8Array {
  const { data, width, height, channels } = image;
  const out = new Uint8Array(width * height);
  if (channels <= 2) {
    for (let i = 0, p = 0; i < out.length; i++, p += channels) out[i] = data[p] ?? 0;
    return out;
  }
  for (let i = 0, p = 0; i < out.length; i++, p += channels) {
    out[i] = Math.round(0.299 * (data[p] ?? 0) + 0.587 * (data[p + 1] ?? 0) + 0.114 * (data[p + 2] ?? 0));
  }
  return out;
}

/** A one-channel raster from luma-like samples, keeping the source's dimensions. */
export function grayRaster(
  samples: Uint8Array,
  like: RasterImage,
  encoding: EncodeOptions = like.encoding,
): RasterImage {
  return {
    data: Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength),
    width: like.width,
    height: like.height,
    channels: 1,
    encoding,
  };
}

/** A raster of one colour; one-channel rasters get the colour's luma, alpha channels are opaque. */
export function solidRaster(
  width: number,
  height: number,
  channels: RasterImage['channels'],
  color: { r: number; g: number; b: number },
  encoding: EncodeOptions,
): RasterImage {
  const luma = Math.round(0.299 * color.r + 0.587 * color.g + 0.114 * color.b);
  const pixel =
    channels === 1
      ? [luma]
      : channels === 2
        ? [luma, 255]
        : channels === 3
          ? [color.r, color.g, color.b]
          : [color.r, color.g, color.b, 255];
  const data = Buffer.alloc(width * height * channels);
  for (let i = 0; i < data.length; i += channels)
    for (let c = 0; c < channels; c++) data[i + c] = pixel[c] ?? 0;
  return { data, width, height, channels, encoding };
}
