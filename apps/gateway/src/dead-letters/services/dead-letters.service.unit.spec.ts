import { HEADERS } from '@imageflow/contracts';
import { redriveMessage } from '@imageflow/messaging';
import type { DeadLetterRecord } from '@imageflow/persistence';
import { describe, expect, it } from 'vitest';
import { deadLetterAsKafkaMessage } from './dead-letters.service';

const record = (overrides: Partial<DeadLetterRecord> = {}): DeadLetterRecord => ({
  id: 'imageflow.dlq.v1:0:5',
  originalTopic: 'imageflow.stage.image.v1',
  originalPartition: 2,
  originalOffset: '41',
  consumerGroup: 'stage-image',
  key: Buffer.from('run-1'),
  value: Buffer.from([0, 1, 2]),
  headers: { 'imageflow-event-id': 'e1' },
  error: 'boom',
  attempts: 3,
  failedAt: '2026-11-28T10:00:00.000Z',
  redrivenAt: null,
  redriveCount: 0,
  ...overrides,
});

describe('deadLetterAsKafkaMessage → redriveMessage', () => {
  it('sends the original key, bytes and headers to the original topic, without dlq-* headers', () => {
    const { topic, message } = redriveMessage(deadLetterAsKafkaMessage(record()));
    expect(topic).toBe('imageflow.stage.image.v1');
    expect(message.key).toEqual(Buffer.from('run-1'));
    expect(message.value).toEqual(Buffer.from([0, 1, 2]));
    expect(message.headers).toEqual({ 'imageflow-event-id': 'e1', 'imageflow-redrive-count': '1' });
  });

  it('strips dlq-* headers stored with the row and counts re-drives from the row', () => {
    const stored = record({
      headers: {
        'imageflow-event-id': 'e1',
        [HEADERS.dlqTopic]: 'imageflow.stage.image.v1',
        [HEADERS.dlqError]: 'old',
        'imageflow-redrive-count': '0',
      },
      redriveCount: 2,
    });
    const { message } = redriveMessage(deadLetterAsKafkaMessage(stored));
    expect(message.headers).toEqual({ 'imageflow-event-id': 'e1', 'imageflow-redrive-count': '3' });
  });
});
