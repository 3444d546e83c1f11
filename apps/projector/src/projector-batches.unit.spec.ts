import { HEADERS } from '@imageflow/contracts';
import type { CheckpointedBatch, RawBatch } from '@imageflow/messaging';
import { aStepStarted } from '@imageflow/persistence/testing';
import { describe, expect, it } from 'vitest';
import { deadLetterProjectionBatch, eventProjectionBatch, nextOffsetAfter } from './projector-batches';

describe('projector batches', () => {
  it('checkpoints the offset after the last one, exactly for int64 offsets', () => {
    expect(nextOffsetAfter('41')).toBe('42');
    expect(nextOffsetAfter('9007199254740993')).toBe('9007199254740994');
  });

  it('turns decoded messages into event-log rows and moves past undecodable ones', () => {
    const decoded = { ...aStepStarted({ envelope: { runId: 'run-1' } }), schemaId: 12 };
    const batch = {
      topic: 'run-events',
      partition: 2,
      messages: [
        {
          topic: 'run-events',
          partition: 2,
          offset: '7',
          key: 'run-1',
          headers: {},
          decoded,
          attempt: 1,
          raw: {},
        },
      ],
      undecodable: [{ offset: '8', error: 'no magic byte', raw: {} }],
      lastOffset: '8',
    } as unknown as CheckpointedBatch;
    expect(eventProjectionBatch('projector', batch)).toEqual({
      consumer: 'projector',
      topic: 'run-events',
      partition: 2,
      nextOffset: '9',
      events: [{ topic: 'run-events', partition: 2, offset: '7', key: 'run-1', schemaId: 12, decoded }],
      deadLetters: [],
    });
  });

  it('turns dead-letter records into dead_letters rows without decoding their bytes', () => {
    const batch = deadLetterProjectionBatch('projector', {
      topic: 'dlq',
      partition: 0,
      lastOffset: '3',
      attempt: 1,
      messages: [
        {
          offset: '3',
          key: Buffer.from('run-1'),
          value: Buffer.from([0, 0, 0, 0, 9]),
          timestamp: '1767225600000',
          attributes: 0,
          size: 0,
          headers: {
            [HEADERS.dlqTopic]: Buffer.from('imageflow.run-events.v1'),
            [HEADERS.dlqError]: Buffer.from('boom'),
          },
        } as unknown as RawBatch['messages'][number],
      ],
    });
    expect(batch.nextOffset).toBe('4');
    expect(batch.events).toEqual([]);
    expect(batch.deadLetters).toEqual([
      expect.objectContaining({
        id: 'dlq:0:3',
        originalTopic: 'imageflow.run-events.v1',
        error: 'boom',
        value: Buffer.from([0, 0, 0, 0, 9]),
        failedAt: '2026-01-01T00:00:00.000Z',
      }),
    ]);
  });
});
