import { HEADERS } from '@imageflow/contracts';
import type { KafkaMessage } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import {
  deadLetterMessage,
  deadLetterOf,
  MAX_DLQ_ERROR_LENGTH,
  NotADeadLetterError,
  redriveMessage,
  REDRIVE_COUNT_HEADER,
} from './dead-letter';
import { headersToRecord } from './headers';

const consumed = (headers: KafkaMessage['headers'] = {}): KafkaMessage => ({
  key: Buffer.from('run-1'),
  value: Buffer.from([0, 0, 0, 0, 7, 1, 2, 3]),
  timestamp: '1764331200000',
  attributes: 0,
  offset: '41',
  headers,
});

/** What a consumer sees when it reads the produced dead letter back. */
const asConsumed = (message: ReturnType<typeof deadLetterMessage>): KafkaMessage => {
  const read = consumed(
    Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, Buffer.from(String(v))])),
  );
  read.key = message.key as Buffer;
  read.value = message.value as Buffer;
  return read;
};

const source = {
  topic: 'imageflow.run-events.v1',
  partition: 2,
  offset: '41',
  group: 'projector',
  attempts: 5,
  error: 'db down',
};

describe('dead letters', () => {
  it('keep key, bytes and original headers, and add where and why', () => {
    const original = consumed({ [HEADERS.eventId]: Buffer.from('e-1'), traceparent: Buffer.from('00-abc') });
    const dead = deadLetterMessage(original, { ...source, failedAt: new Date('2026-11-28T12:00:00Z') });
    expect(dead.key).toEqual(original.key);
    expect(dead.value).toBe(original.value);
    const headers = headersToRecord(dead.headers);
    expect(headers).toMatchObject({
      [HEADERS.eventId]: 'e-1',
      traceparent: '00-abc',
      [HEADERS.dlqError]: 'db down',
      [HEADERS.dlqAttempts]: '5',
      [HEADERS.dlqTopic]: 'imageflow.run-events.v1',
      [HEADERS.dlqPartition]: '2',
      [HEADERS.dlqOffset]: '41',
      [HEADERS.dlqGroup]: 'projector',
      [HEADERS.dlqFailedAt]: '2026-11-28T12:00:00.000Z',
    });
  });

  it('parse back from the dlq headers', () => {
    const info = deadLetterOf(
      asConsumed(deadLetterMessage(consumed({ [HEADERS.eventId]: Buffer.from('e-1') }), source)),
    );
    expect(info).toMatchObject({
      error: 'db down',
      attempts: 5,
      topic: source.topic,
      partition: 2,
      offset: '41',
      group: 'projector',
      redriveCount: 0,
    });
    expect(info.failedAt.getTime()).not.toBeNaN();
    expect(info.originalHeaders).toEqual({ [HEADERS.eventId]: 'e-1' });
  });

  it('cap very long errors', () => {
    const dead = deadLetterMessage(consumed(), { ...source, error: 'x'.repeat(10_000) });
    expect(headersToRecord(dead.headers)[HEADERS.dlqError]).toHaveLength(MAX_DLQ_ERROR_LENGTH);
  });

  it('re-drive to the original topic without dlq headers, counting re-drives', () => {
    const once = redriveMessage(
      asConsumed(deadLetterMessage(consumed({ [HEADERS.eventId]: Buffer.from('e-1') }), source)),
    );
    expect(once.topic).toBe(source.topic);
    expect(once.message.value).toEqual(consumed().value);
    expect(once.message.key).toEqual(consumed().key);
    const headers = headersToRecord(once.message.headers);
    expect(headers).toEqual({ [HEADERS.eventId]: 'e-1', [REDRIVE_COUNT_HEADER]: '1' });

    // Fails again, is dead-lettered again (old dlq headers replaced), re-driven again: count 2.
    const again = deadLetterMessage(asConsumed(once.message as never), { ...source, error: 'still down' });
    expect(headersToRecord(again.headers)[HEADERS.dlqError]).toBe('still down');
    expect(deadLetterOf(asConsumed(again)).redriveCount).toBe(1);
    expect(headersToRecord(redriveMessage(asConsumed(again)).message.headers)[REDRIVE_COUNT_HEADER]).toBe(
      '2',
    );
  });

  it('refuse messages that are not dead letters', () => {
    expect(() => deadLetterOf(consumed({ [HEADERS.eventId]: Buffer.from('e-1') }))).toThrow(
      NotADeadLetterError,
    );
    expect(() => redriveMessage(consumed())).toThrow(/imageflow-dlq-error/);
  });
});
