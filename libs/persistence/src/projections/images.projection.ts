import type { Projection } from './projection';
import { sql, toIso } from './projection';

/** Columns that describe an image; the earliest capture of the same bytes wins, whatever order captures arrive in. */
const DESCRIPTIVE = [
  'bucket',
  'object_key',
  'etag',
  'size_bytes',
  'content_type',
  'width',
  'height',
  'camera_id',
  'line_id',
  'lot',
  'serial',
  'source',
  'captured_at',
  'first_seen_at',
  'first_event_id',
] as const;

const EARLIER =
  '(EXCLUDED.first_seen_at, EXCLUDED.first_event_id) < (images.first_seen_at, images.first_event_id)';

const UPSERT_IMAGE = `
INSERT INTO images (id, ${DESCRIPTIVE.join(', ')}, capture_count)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, 1)
ON CONFLICT (id) DO UPDATE SET
  capture_count = images.capture_count + 1,
  ${DESCRIPTIVE.map((column) => `${column} = CASE WHEN ${EARLIER} THEN EXCLUDED.${column} ELSE images.${column} END`).join(',\n  ')}`;

/** ImageCaptured → `images` (id = SHA-256 of the bytes, so a resend of the same capture stays one row). */
export const imagesProjection: Projection = (input) => {
  if (input.type !== 'ImageCaptured') return [];
  const { envelope, image, capture } = input.event;
  const id = envelope.imageId ?? image.sha256;
  if (!id) return [];
  return [
    sql(UPSERT_IMAGE, [
      id,
      image.bucket,
      image.key,
      image.etag,
      image.size,
      image.contentType,
      image.width,
      image.height,
      capture.cameraId,
      capture.lineId,
      capture.lot,
      capture.serial,
      capture.source,
      toIso(capture.capturedAt),
      toIso(envelope.occurredAt),
      envelope.eventId,
    ]),
  ];
};
