import { describe, expect, it } from 'vitest';
import { parseCaptureFields } from './capture-fields';
import { IngestRejection } from './ingest-rejection';

const parse = (
  query: Record<string, unknown>,
  headers: Record<string, string> = {},
  fields: Record<string, unknown> = {},
) => parseCaptureFields({ fields, query, headers });

const rejection = (run: () => unknown): IngestRejection => {
  try {
    run();
  } catch (error) {
    if (error instanceof IngestRejection) return error;
    throw error;
  }
  throw new Error('expected an IngestRejection');
};

describe('parseCaptureFields', () => {
  it('reads fields from the query, headers and multipart parts, with CAMERA as the default source', () => {
    expect(
      parse(
        { cameraId: 'cam-1', lot: 'LOT 7' },
        { 'x-serial': 'SN-9', 'idempotency-key': 'k-1' },
        { lineId: 'line-2', capturedAt: '2026-11-28T09:00:00+09:00' },
      ),
    ).toEqual({
      cameraId: 'cam-1',
      lot: 'LOT 7',
      serial: 'SN-9',
      idempotencyKey: 'k-1',
      lineId: 'line-2',
      capturedAt: '2026-11-28T09:00:00+09:00',
      source: 'CAMERA',
    });
  });

  it('accepts the same value given in two places', () => {
    expect(parse({ cameraId: 'cam-1' }, { 'x-camera-id': 'cam-1' }).cameraId).toBe('cam-1');
  });

  it.each([
    ['a missing camera id', {}, {}, /cameraId/],
    ['a camera id with a slash', { cameraId: 'a/b' }, {}, /cameraId: must be/],
    [
      'a time without a zone',
      { cameraId: 'c', capturedAt: '2026-11-28T09:00:00' },
      {},
      /capturedAt: must be an ISO 8601 time/,
    ],
    ['an unknown source', { cameraId: 'c', source: 'PHONE' }, {}, /source/],
    [
      'a control character in a lot',
      { cameraId: 'c', lot: 'a\u0007b' },
      {},
      /lot must not contain control characters/,
    ],
    ['a too long serial', { cameraId: 'c', serial: 'x'.repeat(129) }, {}, /serial/],
    [
      'conflicting values',
      { cameraId: 'c' },
      { 'x-camera-id': 'd' },
      /cameraId: given with different values/,
    ],
    ['a repeated query parameter', { cameraId: ['c', 'd'] }, {}, /cameraId/],
    ['an unknown field', { cameraId: 'c', camera: 'x' }, {}, /unknown field\(s\) camera/],
  ])('refuses %s with a 400 naming it', (_, query, headers, message) => {
    const error = rejection(() => parse(query, headers));
    expect(error.getStatus()).toBe(400);
    expect(error.reason).toBe('invalid_fields');
    expect(error.message).toMatch(message);
  });
});
