import { describe, expect, it } from 'vitest';
import { clampLimit, decodeCursor, encodeCursor, InvalidCursorError } from './cursor';
import { buildRunsQuery, InvalidFilterError } from './runs.repository';

describe('cursors', () => {
  it('round-trip a keyset position and reject anything else', () => {
    const position = { at: '2026-01-01T00:00:00.000Z', id: 'run-1' };
    expect(decodeCursor(encodeCursor(position))).toEqual(position);
    expect(() => decodeCursor('not-a-cursor')).toThrow(InvalidCursorError);
    expect(() => decodeCursor(Buffer.from('["yesterday","x"]').toString('base64url'))).toThrow(
      InvalidCursorError,
    );
  });

  it('clamps page sizes', () => {
    expect(clampLimit(undefined)).toBe(50);
    expect(clampLimit(0)).toBe(1);
    expect(clampLimit(10_000)).toBe(500);
  });
});

describe('buildRunsQuery', () => {
  it('turns filters into parameters, keyset after the cursor, newest first', () => {
    const cursor = encodeCursor({ at: '2026-01-02T00:00:00.000Z', id: 'run-9' });
    const query = buildRunsQuery(
      {
        status: 'failed',
        cameraId: 'cam-2',
        lot: 'L7',
        from: '2026-01-01T00:00:00Z',
        to: '2026-01-03T00:00:00Z',
      },
      { limit: 20, cursor },
    );
    expect(query.text).toBe(
      'SELECT * FROM runs WHERE status = $1 AND camera_id = $2 AND lot = $3 AND started_at >= $4 AND started_at < $5' +
        ' AND (started_at, id) < ($6::timestamptz, $7) ORDER BY started_at DESC, id DESC LIMIT $8',
    );
    expect(query.values).toEqual([
      'failed',
      'cam-2',
      'L7',
      '2026-01-01T00:00:00.000Z',
      '2026-01-03T00:00:00.000Z',
      '2026-01-02T00:00:00.000Z',
      'run-9',
      21,
    ]);
  });

  it('refuses bad filters with a clear error', () => {
    expect(() => buildRunsQuery({ from: 'last tuesday' }, {})).toThrow(/from must be an ISO 8601 time/);
    expect(() => buildRunsQuery({ status: 'exploded' as 'failed' }, {})).toThrow(InvalidFilterError);
  });
});
