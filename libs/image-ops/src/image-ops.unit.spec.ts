import Ajv from 'ajv';
import sharp from 'sharp';
import { computeV1 } from '@imageflow/contracts/grpc';
import { describe, expect, it } from 'vitest';
import { ImageOps, ImageOpError } from './index';
import { encodeRaster, imageInput, outputOf, rasterOf, testCard, textInput } from './testing';

const ops = new ImageOps();
const codeOf = async (promise: Promise<unknown>) => {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ImageOpError);
  return error as ImageOpError;
};

describe('ImageOps catalog', () => {
  const parts = ops.describe();

  it('publishes every part once, with titles, ports and a draft-07 parameters schema that accepts its defaults', () => {
    expect(parts.length).toBeGreaterThanOrEqual(18);
    expect(new Set(parts.map((p) => p.id)).size).toBe(parts.length);
    const ajv = new Ajv({ strict: false, useDefaults: true, discriminator: true });
    for (const part of parts) {
      expect(part.id).toMatch(/^(pre|post)\.[a-z-]+$/);
      expect(part.version).toMatch(/^\d+\.\d+\.\d+$/);
      expect(part.stageKind).toBe('image');
      expect(part.titleEn && part.titleJa && part.descriptionEn && part.descriptionJa).toBeTruthy();
      expect([computeV1.Category.PRE, computeV1.Category.POST]).toContain(part.category);
      expect(part.outputs.length).toBeGreaterThan(0);
      for (const p of [...part.inputs, ...part.outputs])
        expect(p.kind).not.toBe(computeV1.PortKind.UNSPECIFIED);
      const schema = JSON.parse(part.parametersSchemaJson) as { type: string; $schema: string };
      expect(schema.type).toBe('object');
      expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
      expect(() => ajv.compile(schema)).not.toThrow();
    }
  });

  it('covers the parts the palette needs', () => {
    const ids = parts.map((p) => p.id);
    for (const id of [
      'pre.resize',
      'pre.crop',
      'pre.rotate',
      'pre.flip',
      'pre.grayscale',
      'pre.normalize',
      'pre.clahe',
      'pre.blur',
      'pre.sharpen',
      'pre.threshold',
      'pre.edge-detect',
      'pre.convert-format',
      'post.crop-detection',
      'post.crop-detections-grid',
      'post.annotate',
      'post.measure-brightness',
      'post.measure-blobs',
      'post.judge',
    ]) {
      expect(ids).toContain(id);
    }
  });
});

describe('ImageOps.apply errors', () => {
  const apply = (request: Partial<computeV1.ApplyRequest>) =>
    ops.apply({ partId: 'pre.blur', partVersion: '', parametersJson: '', inputs: [], ...request });

  it('refuses an unknown part and an unavailable version', async () => {
    expect((await codeOf(apply({ partId: 'pre.nope' }))).code).toBe('UNKNOWN_PART');
    const e = await codeOf(apply({ partVersion: '9.9.9' }));
    expect(e.code).toBe('UNKNOWN_PART');
    expect(e.message).toContain('runs version 1.0.0');
  });

  it('refuses parameters that are not JSON, not an object, or break the schema, naming the parameter', async () => {
    const image = imageInput('image', await testCard(32, 16, 'png'));
    expect((await codeOf(apply({ parametersJson: '{sigma:', inputs: [image] }))).code).toBe(
      'INVALID_PARAMETERS',
    );
    expect((await codeOf(apply({ parametersJson: '[1]', inputs: [image] }))).message).toContain(
      'must be a JSON object',
    );
    const unknown = await codeOf(apply({ parametersJson: '{"radius":3}', inputs: [image] }));
    expect(unknown.message).toContain('unknown parameter "radius"');
    const range = await codeOf(apply({ parametersJson: '{"sigma":-1}', inputs: [image] }));
    expect(range.code).toBe('INVALID_PARAMETERS');
    expect(range.message).toContain('sigma: must be >= 0.3');
    const choice = await codeOf(
      ops.apply({
        partId: 'pre.resize',
        partVersion: '',
        parametersJson: '{"width":10,"fit":"zoom"}',
        inputs: [image],
      }),
    );
    expect(choice.message).toContain('fit: must be one of "cover", "contain", "fill", "inside", "outside"');
  });

  it('refuses missing, unknown, duplicated and mistyped inputs', async () => {
    const bytes = await testCard(8, 8, 'png');
    expect((await codeOf(apply({}))).message).toContain('input "image" (IMAGE) is required');
    expect((await codeOf(apply({ inputs: [imageInput('picture', bytes)] }))).message).toContain(
      'unknown input "picture"',
    );
    expect(
      (await codeOf(apply({ inputs: [imageInput('image', bytes), imageInput('image', bytes)] }))).message,
    ).toContain('given twice');
    expect((await codeOf(apply({ inputs: [textInput('image', 'x')] }))).message).toContain(
      'is TEXT, expected IMAGE',
    );
  });

  it('reports corrupt, truncated, empty and non-raster inputs as clear errors', async () => {
    const garbage = await codeOf(
      apply({ inputs: [imageInput('image', Buffer.from('definitely not an image'))] }),
    );
    expect(garbage.code).toBe('CORRUPT_IMAGE');
    expect(garbage.message).toMatch(/input "image": not a decodable image/);

    const jpeg = await testCard(256, 256, 'jpeg');
    const truncated = await codeOf(
      apply({ inputs: [imageInput('image', jpeg.subarray(0, Math.floor(jpeg.length / 2)))] }),
    );
    expect(truncated.code).toBe('CORRUPT_IMAGE');

    expect((await codeOf(apply({ inputs: [imageInput('image', Buffer.alloc(0))] }))).message).toContain(
      'empty input',
    );

    const svg = Buffer.from(
      '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>',
    );
    expect((await codeOf(apply({ inputs: [imageInput('image', svg)] }))).code).toBe('UNSUPPORTED_FORMAT');
  });

  it('refuses images over the byte limit and decompression bombs over the pixel limit before decoding them', async () => {
    const small = new ImageOps({ limits: { maxInputBytes: 1000, maxInputPixels: 100 * 100 } });
    const big = await testCard(200, 200, 'jpeg');
    const bytes = await codeOf(
      small.apply({
        partId: 'pre.blur',
        partVersion: '',
        parametersJson: '',
        inputs: [imageInput('image', big)],
      }),
    );
    expect(bytes.code).toBe('IMAGE_TOO_LARGE');
    expect(bytes.message).toContain('over the limit of 1000 bytes');

    // A flat 4000×4000 PNG is a few kB on the wire and 48 MB of pixels: the shape of a decompression bomb.
    const bomb = await encodeRaster(
      rasterOf(4000, 4000, 3, () => [0, 0, 0]),
      'png',
    );
    expect(bomb.length).toBeLessThan(100_000);
    const guarded = new ImageOps({ limits: { maxInputPixels: 2000 * 2000 } });
    const pixels = await codeOf(
      guarded.apply({
        partId: 'pre.blur',
        partVersion: '',
        parametersJson: '',
        inputs: [imageInput('image', bomb)],
      }),
    );
    expect(pixels.code).toBe('IMAGE_TOO_LARGE');
    expect(pixels.message).toContain('4000×4000 = 16000000 pixels is over the limit of 4000000 pixels');
  });
});

describe('ImageOps.apply', () => {
  it('applies EXIF orientation, as a handheld camera JPEG needs', async () => {
    // A 40×20 JPEG tagged "rotate 90° clockwise" (orientation 6); writing EXIF needs sharp itself.
    const tagged = await sharp({ create: { width: 40, height: 20, channels: 3, background: '#ff0000' } })
      .jpeg()
      .withMetadata({ orientation: 6 })
      .toBuffer();
    const response = await ops.apply({
      partId: 'pre.flip',
      partVersion: '',
      parametersJson: '',
      inputs: [imageInput('image', tagged)],
    });
    expect(outputOf(response, 'image', 'image')).toMatchObject({ width: 20, height: 40 });
  });

  it('returns encoded outputs with dimensions and decode / compute / encode timings', async () => {
    const response = await ops.apply({
      partId: 'pre.resize',
      partVersion: '1.0.0',
      parametersJson: JSON.stringify({ width: 100 }),
      inputs: [imageInput('image', await testCard(400, 200, 'jpeg'))],
    });
    const image = outputOf(response, 'image', 'image');
    expect(image.contentType).toBe('image/jpeg');
    expect([image.width, image.height]).toEqual([100, 50]);
    expect(image.data.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
    const t = response.timings;
    if (!t) throw new Error('no timings');
    for (const phase of [t.decodeMs, t.computeMs, t.encodeMs]) expect(phase).toBeGreaterThanOrEqual(0);
    expect(t.totalMs).toBeCloseTo(t.decodeMs + t.computeMs + t.encodeMs, 5);
  });
});
