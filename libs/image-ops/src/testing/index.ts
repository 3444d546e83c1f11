// Fixtures for tests of image-ops and of its callers (compute-image, stage workers): images are generated
// in memory, so tests need no files and no network.
import { computeV1 } from '@imageflow/contracts/grpc';
import { decodeImage, DEFAULT_LIMITS, encodeImage } from '../adapters/sharp.adapter';
import type { OutputFormat, RasterImage } from '../core/raster';

export type { RasterImage };

/** A raster whose pixel at (x, y) is `pixel(x, y)` (one number per channel). */
export function rasterOf(
  width: number,
  height: number,
  channels: RasterImage['channels'],
  pixel: (x: number, y: number) => readonly number[],
): RasterImage {
  const data = Buffer.alloc(width * height * channels);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const value = pixel(x, y);
      for (let c = 0; c < channels; c++) data[(y * width + x) * channels + c] = value[c] ?? 0;
    }
  }
  return { data, width, height, channels, encoding: { format: 'png' } };
}

/** Encodes a raster as a camera would send it. */
export async function encodeRaster(
  raster: RasterImage,
  format: OutputFormat = 'png',
  quality = 90,
): Promise<Buffer> {
  return (await encodeImage({ ...raster, encoding: { format, quality } })).data;
}

/** A smooth colour photo-like test card (gradients), e.g. 1920×1080 as a line camera JPEG. */
export async function testCard(
  width: number,
  height: number,
  format: OutputFormat = 'jpeg',
): Promise<Buffer> {
  return encodeRaster(
    rasterOf(width, height, 3, (x, y) => [
      Math.round((255 * x) / width),
      Math.round((255 * y) / height),
      128,
    ]),
    format,
  );
}

/** Decodes bytes for assertions (no limits beyond the defaults). */
export const decodeForTest = (bytes: Uint8Array): Promise<RasterImage> =>
  decodeImage(bytes, DEFAULT_LIMITS, 'test output');

/** The channel values at (x, y). */
export const pixelAt = (image: RasterImage, x: number, y: number): number[] => [
  ...image.data.subarray((y * image.width + x) * image.channels, (y * image.width + x + 1) * image.channels),
];

export const imageInput = (
  port: string,
  data: Uint8Array,
  kind = computeV1.PortKind.IMAGE,
): computeV1.PortValue => ({
  port,
  kind,
  value: { $case: 'image', value: { data: Buffer.from(data), contentType: '', width: 0, height: 0 } },
});

export const detectionsInput = (port: string, items: computeV1.Detection[]): computeV1.PortValue => ({
  port,
  kind: computeV1.PortKind.DETECTIONS,
  value: { $case: 'detections', value: { items } },
});

export const textInput = (port: string, text: string): computeV1.PortValue => ({
  port,
  kind: computeV1.PortKind.TEXT,
  value: { $case: 'text', value: text },
});

export const measurementsInput = (port: string, items: computeV1.Measurement[]): computeV1.PortValue => ({
  port,
  kind: computeV1.PortKind.MEASUREMENTS,
  value: { $case: 'measurements', value: { items } },
});

export const detection = (
  label: string,
  score: number,
  x: number,
  y: number,
  width: number,
  height: number,
  text?: string,
) => ({
  label,
  score,
  x,
  y,
  width,
  height,
  ...(text === undefined ? {} : { text }),
});

type PortCase = NonNullable<computeV1.PortValue['value']>;
type ValueByCase = { [K in PortCase as K['$case']]: K['value'] };

/** The value on an output port of an ApplyResponse, failing clearly when it is absent or of another case. */
export function outputOf<C extends PortCase['$case']>(
  response: computeV1.ApplyResponse,
  port: string,
  $case: C,
): ValueByCase[C] {
  const found = response.outputs.find((o) => o.port === port);
  if (!found?.value || found.value.$case !== $case) {
    throw new Error(
      `output "${port}" with a ${$case} value not found in [${response.outputs.map((o) => o.port).join(', ')}]`,
    );
  }
  return found.value.value as ValueByCase[C];
}
