// One row per image id in `ingest_dedup` (migration 1795870325953_ingest-dedup.sql): who may publish the
// ImageCaptured of these bytes, with which event id, and whether it has been published. All times are the
// database's, so gateways with skewed clocks agree on leases.
import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from '@imageflow/persistence';
import { DB_POOL } from '../../platform/platform.tokens';

export type Claim =
  /** This request publishes, with `eventId` (new, or taken over from an attempt that did not finish). */
  | { kind: 'owned'; eventId: string; token: string; takenOver: boolean }
  /** Already published: a duplicate. */
  | { kind: 'published'; eventId: string }
  /** Another request holds a live lease and is publishing right now. */
  | { kind: 'busy'; eventId: string };

@Injectable()
export class IngestDedupRepository {
  constructor(@Inject(DB_POOL) private readonly db: Pool) {}

  async find(imageId: string): Promise<{ eventId: string; published: boolean } | undefined> {
    const { rows } = await this.db.query<{ event_id: string; published: boolean }>(
      `SELECT event_id, published_at IS NOT NULL AS published FROM ingest_dedup WHERE image_id = $1`,
      [imageId],
    );
    const row = rows[0];
    return row && { eventId: row.event_id, published: row.published };
  }

  /**
   * INSERT … ON CONFLICT DO NOTHING decides the first sender; a later sender takes the row over only when its
   * lease ran out (crash) or was released (producer error) without a publish, and then reuses its event id.
   */
  async claim(imageId: string, newEventId: string, cameraId: string, leaseMs: number): Promise<Claim> {
    const token = randomUUID();
    const inserted = await this.db.query<{ event_id: string }>(
      `INSERT INTO ingest_dedup (image_id, event_id, camera_id, claim_token, lease_until)
       VALUES ($1, $2, $3, $4, now() + $5 * interval '1 millisecond')
       ON CONFLICT (image_id) DO NOTHING
       RETURNING event_id`,
      [imageId, newEventId, cameraId, token, leaseMs],
    );
    if (inserted.rows[0])
      return { kind: 'owned', eventId: inserted.rows[0].event_id, token, takenOver: false };

    const takenOver = await this.db.query<{ event_id: string }>(
      `UPDATE ingest_dedup SET claim_token = $2, lease_until = now() + $3 * interval '1 millisecond'
       WHERE image_id = $1 AND published_at IS NULL AND lease_until <= now()
       RETURNING event_id`,
      [imageId, token, leaseMs],
    );
    if (takenOver.rows[0])
      return { kind: 'owned', eventId: takenOver.rows[0].event_id, token, takenOver: true };

    const current = await this.find(imageId);
    if (!current) throw new Error(`ingest_dedup row of ${imageId} vanished during its claim`);
    return current.published
      ? { kind: 'published', eventId: current.eventId }
      : { kind: 'busy', eventId: current.eventId };
  }

  async markPublished(imageId: string): Promise<void> {
    await this.db.query(
      `UPDATE ingest_dedup SET published_at = now() WHERE image_id = $1 AND published_at IS NULL`,
      [imageId],
    );
  }

  /** Gives the claim up after a failed publish, so the client's retry can take it over at once. */
  async release(imageId: string, token: string): Promise<void> {
    await this.db.query(
      `UPDATE ingest_dedup SET lease_until = now() - interval '1 second'
       WHERE image_id = $1 AND claim_token = $2 AND published_at IS NULL`,
      [imageId, token],
    );
  }
}
