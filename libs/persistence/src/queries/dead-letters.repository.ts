import type { Queryable } from '../db/pool.adapter';
import { clampLimit, decodeCursor, encodeCursor, iso, type Page, type PageRequest } from './cursor';

export interface DeadLetterRecord {
  id: string;
  originalTopic: string;
  originalPartition: number | null;
  originalOffset: string | null;
  consumerGroup: string | null;
  /** Original key and value bytes, for re-drive. */
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, string>;
  error: string;
  attempts: number;
  failedAt: string;
  redrivenAt: string | null;
  redriveCount: number;
}

export interface DeadLetterFilters {
  originalTopic?: string;
  /** Only those never re-driven. */
  pending?: boolean;
}

interface DeadLetterRow {
  id: string;
  original_topic: string;
  original_partition: number | null;
  original_offset: string | null;
  consumer_group: string | null;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, string>;
  error: string;
  attempts: number;
  failed_at: Date;
  redriven_at: Date | null;
  redrive_count: number;
}

const toDeadLetter = (row: DeadLetterRow): DeadLetterRecord => ({
  id: row.id,
  originalTopic: row.original_topic,
  originalPartition: row.original_partition,
  originalOffset: row.original_offset,
  consumerGroup: row.consumer_group,
  key: row.key,
  value: row.value,
  headers: row.headers,
  error: row.error,
  attempts: row.attempts,
  failedAt: iso(row.failed_at) as string,
  redrivenAt: iso(row.redriven_at),
  redriveCount: row.redrive_count,
});

export class DeadLettersRepository {
  constructor(private readonly db: Queryable) {}

  /** Newest failures first, keyset-paginated on (failed_at, id). */
  async listDeadLetters(
    filters: DeadLetterFilters = {},
    page: PageRequest = {},
  ): Promise<Page<DeadLetterRecord>> {
    const where: string[] = [];
    const values: unknown[] = [];
    const param = (value: unknown) => {
      values.push(value);
      return `$${values.length}`;
    };
    if (filters.originalTopic) where.push(`original_topic = ${param(filters.originalTopic)}`);
    if (filters.pending) where.push(`redriven_at IS NULL`);
    if (page.cursor) {
      const position = decodeCursor(page.cursor);
      where.push(`(failed_at, id) < (${param(position.at)}::timestamptz, ${param(position.id)})`);
    }
    const limit = clampLimit(page.limit);
    const { rows } = await this.db.query<DeadLetterRow>(
      `SELECT * FROM dead_letters${where.length ? ` WHERE ${where.join(' AND ')}` : ''}
       ORDER BY failed_at DESC, id DESC LIMIT ${param(limit + 1)}`,
      values,
    );
    const items = rows.slice(0, limit).map(toDeadLetter);
    const last = items[items.length - 1];
    return {
      items,
      nextCursor: rows.length > limit && last ? encodeCursor({ at: last.failedAt, id: last.id }) : null,
    };
  }

  async getDeadLetter(id: string): Promise<DeadLetterRecord | undefined> {
    const { rows } = await this.db.query<DeadLetterRow>(`SELECT * FROM dead_letters WHERE id = $1`, [id]);
    return rows[0] && toDeadLetter(rows[0]);
  }

  /** Records a re-drive (call after the bytes were produced back to their topic); undefined if no such id. */
  async markRedriven(id: string, at: Date = new Date()): Promise<DeadLetterRecord | undefined> {
    const { rows } = await this.db.query<DeadLetterRow>(
      `UPDATE dead_letters SET redriven_at = $2, redrive_count = redrive_count + 1 WHERE id = $1 RETURNING *`,
      [id, at.toISOString()],
    );
    return rows[0] && toDeadLetter(rows[0]);
  }
}
