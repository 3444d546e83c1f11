// Images for tests, generated on the spot: random pixels make every run's bytes (and so image ids) new.
import { randomBytes } from 'node:crypto';
import sharp from 'sharp';

export async function randomImage(
  format: 'png' | 'jpeg' | 'webp' | 'tiff' = 'png',
  width = 64,
  height = 48,
): Promise<Buffer> {
  const pixels = sharp(randomBytes(width * height * 3), { raw: { width, height, channels: 3 } });
  return pixels.toFormat(format).toBuffer();
}

/** A large image that compresses to a few kilobytes: a decompression-bomb shape. */
export function flatPng(width: number, height: number): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: { r: 40, g: 90, b: 160 } } })
    .png()
    .toBuffer();
}
