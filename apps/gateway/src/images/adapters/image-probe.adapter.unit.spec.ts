import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { flatPng, randomImage } from '../../testing/test-images';
import { IngestRejection } from '../ingest-rejection';
import { ImageProbe } from './image-probe.adapter';

const probe = new ImageProbe({
  formats: ['jpeg', 'png', 'webp', 'tiff'],
  maxPixels: 1_000_000,
  concurrency: 2,
});

async function rejectionOf(bytes: Buffer): Promise<IngestRejection> {
  const error = await probe.probe(bytes).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof IngestRejection))
    throw new Error(`expected an IngestRejection, got ${String(error)}`);
  return error;
}

describe('ImageProbe', () => {
  it.each(['jpeg', 'png', 'webp', 'tiff'] as const)(
    'accepts %s with its dimensions and content type',
    async (format) => {
      expect(await probe.probe(await randomImage(format, 33, 21))).toEqual({
        format,
        contentType: `image/${format}`,
        width: 33,
        height: 21,
      });
    },
  );

  it('refuses more pixels than the limit with the dimensions (413)', async () => {
    const error = await rejectionOf(await flatPng(1001, 1000));
    expect(error.reason).toBe('too_many_pixels');
    expect(error.getStatus()).toBe(413);
    expect(error.message).toMatch(/1001×1000 = 1\.0 MP, over the limit of 1\.0 MP/);
  });

  it('refuses a truncated JPEG: the header reads, the pixels do not (400)', async () => {
    const jpeg = await randomImage('jpeg', 200, 200);
    const error = await rejectionOf(jpeg.subarray(0, Math.floor(jpeg.length / 2)));
    expect(error.reason).toBe('corrupt');
    expect(error.getStatus()).toBe(400);
  });

  it('refuses a PNG with a damaged data chunk (400)', async () => {
    const png = Buffer.from(await randomImage('png', 100, 100));
    const idat = png.indexOf('IDAT');
    png.fill(0x55, idat + 40, idat + 400);
    expect((await rejectionOf(png)).reason).toBe('corrupt');
  });

  it('refuses bytes that are no image, and empty bytes (400)', async () => {
    expect((await rejectionOf(Buffer.from('%PDF-1.7 not an image'))).message).toMatch(/not a readable image/);
    expect((await rejectionOf(Buffer.alloc(0))).message).toMatch(/empty/);
  });

  it('refuses formats outside the list (415)', async () => {
    const gif = await sharp({ create: { width: 4, height: 4, channels: 3, background: '#0f0' } })
      .gif()
      .toBuffer();
    const error = await rejectionOf(gif);
    expect(error.reason).toBe('unsupported_format');
    expect(error.getStatus()).toBe(415);
    expect(error.message).toMatch(/"gif" is not accepted; send one of: jpeg, png, webp, tiff/);
  });
});
