import { z } from '@imageflow/config';

const ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
const label = (what: string) =>
  z
    .string()
    .trim()
    .min(1)
    .max(128)
    .regex(/^[^\p{Cc}]+$/u, `${what} must not contain control characters`);

/** The capture fields of an ingest, from multipart fields, query parameters or X-… headers. */
export const captureFieldsSchema = z
  .object({
    cameraId: z
      .string()
      .regex(ID, 'must be 1-128 of A-Z a-z 0-9 . _ : - starting with a letter or digit')
      .describe('Camera that took the image (required)'),
    lineId: label('lineId').optional().describe('Production line'),
    lot: label('lot').optional().describe('Lot number of the product'),
    serial: label('serial').optional().describe('Serial number of the product'),
    capturedAt: z.iso
      .datetime({ offset: true, message: 'must be an ISO 8601 time with a zone, e.g. 2026-11-28T09:15:00Z' })
      .optional()
      .describe('When the image was taken; default: when the gateway received it'),
    source: z
      .enum(['CAMERA', 'AGENT', 'UPLOAD', 'SIMULATOR'])
      .default('CAMERA')
      .describe('What sent the image'),
    idempotencyKey: z
      .string()
      .trim()
      .min(1)
      .max(200)
      .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII')
      .optional(),
  })
  .strict();

export type CaptureFields = z.infer<typeof captureFieldsSchema>;

/** Where each field may come from: multipart field / query parameter name, then header name. */
export const CAPTURE_FIELD_SOURCES: Record<keyof CaptureFields, { param: string; header: string }> = {
  cameraId: { param: 'cameraId', header: 'x-camera-id' },
  lineId: { param: 'lineId', header: 'x-line-id' },
  lot: { param: 'lot', header: 'x-lot' },
  serial: { param: 'serial', header: 'x-serial' },
  capturedAt: { param: 'capturedAt', header: 'x-captured-at' },
  source: { param: 'source', header: 'x-capture-source' },
  idempotencyKey: { param: 'idempotencyKey', header: 'idempotency-key' },
};

export const ingestResultSchema = z.object({
  imageId: z.string().describe('SHA-256 of the bytes, hex: the same bytes always get the same id'),
  duplicate: z.boolean().describe('true when these bytes were already ingested; no new event was produced'),
  eventId: z.string().describe('eventId of the (first) ImageCaptured event of these bytes'),
});

export type IngestResult = z.infer<typeof ingestResultSchema>;

export const imageIdSchema = z
  .string()
  .regex(/^[0-9a-f]{64}$/, 'must be a SHA-256 in lowercase hex (64 digits)');

export const imageSchema = z.object({
  id: z.string(),
  bucket: z.string(),
  key: z.string(),
  etag: z.string().nullable(),
  size: z.number().int(),
  contentType: z.string(),
  width: z.number().int().nullable(),
  height: z.number().int().nullable(),
  cameraId: z.string(),
  lineId: z.string().nullable(),
  lot: z.string().nullable(),
  serial: z.string().nullable(),
  source: z.string(),
  capturedAt: z.iso.datetime(),
  firstSeenAt: z.iso.datetime(),
  captureCount: z.number().int(),
  url: z.string().describe('Presigned GET URL of the bytes'),
  urlExpiresAt: z.iso.datetime(),
});
