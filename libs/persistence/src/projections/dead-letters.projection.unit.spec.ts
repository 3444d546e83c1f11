import { HEADERS } from '@imageflow/contracts';
import { describe, expect, it } from 'vitest';
import { deadLetterFromDlqRecord, headersToStrings, insertDeadLetter } from './dead-letters.projection';

const record = {
  topic: 'imageflow.dlq.v1',
  partition: 2,
  offset: '17',
  key: Buffer.from('run-9'),
  value: Buffer.from([0, 0, 0, 0, 7, 1, 2]),
  timestamp: String(Date.parse('2026-05-05T05:05:05Z')),
};

describe('dead letters', () => {
  it('reads the original position, error and attempts from the DLQ headers', () => {
    const row = deadLetterFromDlqRecord({
      ...record,
      headers: {
        [HEADERS.dlqTopic]: Buffer.from('imageflow.stage.ai.v1'),
        [HEADERS.dlqPartition]: Buffer.from('1'),
        [HEADERS.dlqOffset]: Buffer.from('42'),
        [HEADERS.dlqError]: Buffer.from('UNKNOWN_MODEL: yolo@9 not found'),
        [HEADERS.dlqAttempts]: Buffer.from('3'),
        [HEADERS.dlqGroup]: 'stage-ai',
        [HEADERS.dlqFailedAt]: '2026-05-05T05:05:00.000Z',
        traceparent: Buffer.from('00-abc-def-01'),
      },
    });
    expect(row).toMatchObject({
      id: 'imageflow.dlq.v1:2:17',
      originalTopic: 'imageflow.stage.ai.v1',
      originalPartition: 1,
      originalOffset: '42',
      consumerGroup: 'stage-ai',
      error: 'UNKNOWN_MODEL: yolo@9 not found',
      attempts: 3,
      failedAt: '2026-05-05T05:05:00.000Z',
    });
    expect(row.value).toEqual(record.value);
    expect(row.headers['traceparent']).toBe('00-abc-def-01');
  });

  it('still records a dead letter whose headers are missing or garbled', () => {
    const row = deadLetterFromDlqRecord({
      ...record,
      headers: { [HEADERS.dlqPartition]: 'x', [HEADERS.dlqFailedAt]: 'never' },
    });
    expect(row).toMatchObject({
      originalTopic: 'unknown',
      originalPartition: null,
      attempts: 0,
      failedAt: '2026-05-05T05:05:05.000Z',
    });
    expect(row.error).toMatch(/no error header/);
  });

  it('inserts idempotently: by id and by original position', () => {
    const row = deadLetterFromDlqRecord({ ...record, headers: {} });
    expect(insertDeadLetter(row).text).toMatch(/ON CONFLICT DO NOTHING$/);
  });

  it('turns header values into strings, last value wins', () => {
    expect(headersToStrings({ b: [Buffer.from('1'), '2'], a: undefined, c: 'x' })).toEqual({
      b: '2',
      c: 'x',
    });
  });
});
