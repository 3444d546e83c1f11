// Dead letters keep the original key, value bytes and headers, plus dlq-* headers saying where they came from and why.
import { HEADERS } from '@imageflow/contracts';
import type { IHeaders, KafkaMessage, Message } from 'kafkajs';
import { headersToRecord } from './headers';

/** Counts how many times a message was re-driven from the dead-letter topic. */
export const REDRIVE_COUNT_HEADER = 'imageflow-redrive-count';

const DLQ_HEADER_NAMES: readonly string[] = [
  HEADERS.dlqError,
  HEADERS.dlqAttempts,
  HEADERS.dlqTopic,
  HEADERS.dlqPartition,
  HEADERS.dlqOffset,
  HEADERS.dlqGroup,
  HEADERS.dlqFailedAt,
];

/** Longest error text kept in a header; brokers cap the whole message, and stack traces can be long. */
export const MAX_DLQ_ERROR_LENGTH = 4_000;

export interface DeadLetterSource {
  topic: string;
  partition: number;
  offset: string;
  group: string;
  /** Handler calls made; 0 when the message never reached the handler (it did not decode). */
  attempts: number;
  error: string;
  failedAt?: Date;
}

export interface DeadLetterInfo {
  error: string;
  attempts: number;
  topic: string;
  partition: number;
  offset: string;
  group: string;
  failedAt: Date;
  /** Original headers of the message, dlq-* headers removed. */
  originalHeaders: Record<string, string>;
  redriveCount: number;
}

export class NotADeadLetterError extends Error {
  constructor(missing: string[]) {
    super(`not a dead letter: missing header(s) ${missing.join(', ')}`);
    this.name = 'NotADeadLetterError';
  }
}

const truncate = (text: string): string =>
  text.length <= MAX_DLQ_ERROR_LENGTH ? text : `${text.slice(0, MAX_DLQ_ERROR_LENGTH - 1)}…`;

/** Original headers with any previous dlq-* headers replaced (a re-driven message can fail again). */
function withoutDlqHeaders(headers: IHeaders | undefined): IHeaders {
  const kept: IHeaders = {};
  for (const [name, value] of Object.entries(headers ?? {}))
    if (!DLQ_HEADER_NAMES.includes(name)) kept[name] = value;
  return kept;
}

/** The dead letter of a consumed message: same key, same bytes, original headers plus the dlq-* headers. */
export function deadLetterMessage(message: KafkaMessage, source: DeadLetterSource): Message {
  return {
    key: message.key,
    value: message.value,
    headers: {
      ...withoutDlqHeaders(message.headers),
      [HEADERS.dlqError]: truncate(source.error),
      [HEADERS.dlqAttempts]: String(source.attempts),
      [HEADERS.dlqTopic]: source.topic,
      [HEADERS.dlqPartition]: String(source.partition),
      [HEADERS.dlqOffset]: source.offset,
      [HEADERS.dlqGroup]: source.group,
      [HEADERS.dlqFailedAt]: (source.failedAt ?? new Date()).toISOString(),
    },
  };
}

/** Reads the dlq-* headers of a message from the dead-letter topic; throws NotADeadLetterError if they are missing. */
export function deadLetterOf(message: Pick<KafkaMessage, 'headers'>): DeadLetterInfo {
  const headers = headersToRecord(message.headers);
  const missing = [HEADERS.dlqError, HEADERS.dlqTopic, HEADERS.dlqPartition, HEADERS.dlqOffset].filter(
    (h) => !(h in headers),
  );
  if (missing.length) throw new NotADeadLetterError(missing);
  const originalHeaders = Object.fromEntries(
    Object.entries(headers).filter(([name]) => !DLQ_HEADER_NAMES.includes(name)),
  );
  const failedAt = new Date(headers[HEADERS.dlqFailedAt] ?? Number.NaN);
  return {
    error: headers[HEADERS.dlqError] ?? '',
    attempts: Number.parseInt(headers[HEADERS.dlqAttempts] ?? '0', 10) || 0,
    topic: headers[HEADERS.dlqTopic] ?? '',
    partition: Number.parseInt(headers[HEADERS.dlqPartition] ?? '', 10),
    offset: headers[HEADERS.dlqOffset] ?? '',
    group: headers[HEADERS.dlqGroup] ?? '',
    failedAt,
    originalHeaders,
    redriveCount: Number.parseInt(headers[REDRIVE_COUNT_HEADER] ?? '0', 10) || 0,
  };
}

/** The message to send back to its original topic: original key, bytes and headers, dlq-* removed, redrive count + 1. */
export function redriveMessage(dead: KafkaMessage): { topic: string; message: Message } {
  const info = deadLetterOf(dead);
  return {
    topic: info.topic,
    message: {
      key: dead.key,
      value: dead.value,
      headers: { ...withoutDlqHeaders(dead.headers), [REDRIVE_COUNT_HEADER]: String(info.redriveCount + 1) },
    },
  };
}
