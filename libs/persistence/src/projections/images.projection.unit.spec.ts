import { describe, expect, it } from 'vitest';
import { anImageCaptured, aRunStarted } from '../testing';
import { imagesProjection } from './images.projection';

describe('imagesProjection', () => {
  it('upserts one image row keyed by the SHA-256 id, with capture metadata', () => {
    const captured = anImageCaptured({ envelope: { occurredAt: Date.parse('2026-03-01T10:00:00Z') } });
    const [statement, ...rest] = imagesProjection(captured);
    expect(rest).toEqual([]);
    expect(statement?.text).toMatch(/INSERT INTO images/);
    expect(statement?.text).toMatch(/ON CONFLICT \(id\) DO UPDATE/);
    expect(statement?.values[0]).toBe(captured.event.envelope.imageId);
    expect(statement?.values).toContain('cam-1');
    expect(statement?.values).toContain('2026-03-01T10:00:00.000Z');
    expect(statement?.values).toContain(captured.event.envelope.eventId);
  });

  it('lets the earliest capture describe the image whatever order captures arrive in', () => {
    const [statement] = imagesProjection(anImageCaptured());
    expect(statement?.text).toContain(
      '(EXCLUDED.first_seen_at, EXCLUDED.first_event_id) < (images.first_seen_at, images.first_event_id)',
    );
    expect(statement?.text).toContain('capture_count = images.capture_count + 1');
  });

  it('falls back to image.sha256 and ignores other events', () => {
    const captured = anImageCaptured();
    captured.event.envelope.imageId = null;
    expect(imagesProjection(captured)[0]?.values[0]).toBe(captured.event.image.sha256);
    captured.event.image.sha256 = null;
    expect(imagesProjection(captured)).toEqual([]);
    expect(imagesProjection(aRunStarted())).toEqual([]);
  });
});
