import type { Queryable } from '../db/pool.adapter';
import { iso } from './cursor';

export interface ImageRecord {
  id: string;
  bucket: string;
  key: string;
  etag: string | null;
  size: number;
  contentType: string;
  width: number | null;
  height: number | null;
  cameraId: string;
  lineId: string | null;
  lot: string | null;
  serial: string | null;
  source: string;
  capturedAt: string;
  firstSeenAt: string;
  captureCount: number;
}

interface ImageRow {
  id: string;
  bucket: string;
  object_key: string;
  etag: string | null;
  size_bytes: string;
  content_type: string;
  width: number | null;
  height: number | null;
  camera_id: string;
  line_id: string | null;
  lot: string | null;
  serial: string | null;
  source: string;
  captured_at: Date;
  first_seen_at: Date;
  capture_count: number;
}

const toImage = (row: ImageRow): ImageRecord => ({
  id: row.id,
  bucket: row.bucket,
  key: row.object_key,
  etag: row.etag,
  size: Number(row.size_bytes),
  contentType: row.content_type,
  width: row.width,
  height: row.height,
  cameraId: row.camera_id,
  lineId: row.line_id,
  lot: row.lot,
  serial: row.serial,
  source: row.source,
  capturedAt: iso(row.captured_at) as string,
  firstSeenAt: iso(row.first_seen_at) as string,
  captureCount: row.capture_count,
});

export class ImagesRepository {
  constructor(private readonly db: Queryable) {}

  async getImage(id: string): Promise<ImageRecord | undefined> {
    const { rows } = await this.db.query<ImageRow>(`SELECT * FROM images WHERE id = $1`, [id]);
    return rows[0] && toImage(rows[0]);
  }
}
