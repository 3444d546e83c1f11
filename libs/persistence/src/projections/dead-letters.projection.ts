import { HEADERS } from '@imageflow/contracts';
import type { SqlStatement } from './projection';
import { sql, toIso } from './projection';

/** Kafka header values as kafkajs hands them over. */
export type RawHeaderValue = Buffer | string | (Buffer | string)[] | undefined;
export type RawHeaders = Record<string, RawHeaderValue>;

/** A Kafka record that could not be processed, with where it sits in Kafka. */
export interface RawRecord {
  topic: string;
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: RawHeaders;
  /** Broker timestamp, epoch ms as kafkajs gives it (a string). */
  timestamp: string;
}

export interface DeadLetterRow {
  id: string;
  originalTopic: string;
  originalPartition: number | null;
  originalOffset: string | null;
  consumerGroup: string | null;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, string>;
  error: string;
  attempts: number;
  failedAt: string;
}

/** A dead letter's id is where its bytes sit in Kafka, so seeing the record again is a no-op. */
export const deadLetterId = (topic: string, partition: number, offset: string): string =>
  `${topic}:${partition}:${offset}`;

export function headersToStrings(headers: RawHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers).sort(([a], [b]) => a.localeCompare(b))) {
    if (value === undefined) continue;
    const last = Array.isArray(value) ? value[value.length - 1] : value;
    if (last !== undefined) out[name] = Buffer.isBuffer(last) ? last.toString('utf8') : last;
  }
  return out;
}

function parseTime(value: string | undefined, fallbackMs: string): string {
  if (value) {
    const ms = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
    if (Number.isFinite(ms)) return toIso(ms);
  }
  const fallback = Number(fallbackMs);
  return toIso(Number.isFinite(fallback) ? fallback : 0);
}

function parseIntOrNull(value: string | undefined): number | null {
  if (value === undefined || !/^-?\d+$/.test(value)) return null;
  return Number(value);
}

/** A record of the dead-letter topic: its value is the original bytes, the DLQ headers say what failed. */
export function deadLetterFromDlqRecord(record: RawRecord): DeadLetterRow {
  const headers = headersToStrings(record.headers);
  const offset = headers[HEADERS.dlqOffset];
  return {
    id: deadLetterId(record.topic, record.partition, record.offset),
    originalTopic: headers[HEADERS.dlqTopic] ?? 'unknown',
    originalPartition: parseIntOrNull(headers[HEADERS.dlqPartition]),
    originalOffset: offset !== undefined && /^\d+$/.test(offset) ? offset : null,
    consumerGroup: headers[HEADERS.dlqGroup] ?? null,
    key: record.key,
    value: record.value,
    headers,
    error: headers[HEADERS.dlqError] ?? 'unknown error (no error header on the dead letter)',
    attempts: parseIntOrNull(headers[HEADERS.dlqAttempts]) ?? 0,
    failedAt: parseTime(headers[HEADERS.dlqFailedAt], record.timestamp),
  };
}

const INSERT_DEAD_LETTER = `
INSERT INTO dead_letters (id, original_topic, original_partition, original_offset, consumer_group, key, value, headers, error, attempts, failed_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9, $10, $11)
ON CONFLICT DO NOTHING`;

export function insertDeadLetter(row: DeadLetterRow): SqlStatement {
  return sql(INSERT_DEAD_LETTER, [
    row.id,
    row.originalTopic,
    row.originalPartition,
    row.originalOffset,
    row.consumerGroup,
    row.key,
    row.value,
    JSON.stringify(row.headers),
    row.error,
    row.attempts,
    row.failedAt,
  ]);
}
