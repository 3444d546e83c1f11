// Pure translation from what the Kafka consumers hand over to what the persistence applier writes.
import type { CheckpointedBatch, RawBatch } from '@imageflow/messaging';
import { deadLetterFromDlqRecord, type ProjectionBatch } from '@imageflow/persistence';

export const nextOffsetAfter = (offset: string): string => (BigInt(offset) + 1n).toString();

/**
 * Events of images / run-events / pipelines. Messages that did not decode are already in the dead-letter topic (the consumer
 * sent them there, and the projector records them when it reads that topic); the checkpoint moves past them too.
 */
export function eventProjectionBatch(consumer: string, batch: CheckpointedBatch): ProjectionBatch {
  return {
    consumer,
    topic: batch.topic,
    partition: batch.partition,
    nextOffset: nextOffsetAfter(batch.lastOffset),
    events: batch.messages.map((message) => ({
      topic: message.topic,
      partition: message.partition,
      offset: message.offset,
      key: message.key,
      schemaId: message.decoded.schemaId,
      decoded: message.decoded,
    })),
    deadLetters: [],
  };
}

/** Records of the dead-letter topic: raw bytes and headers, never decoded. */
export function deadLetterProjectionBatch(consumer: string, batch: RawBatch): ProjectionBatch {
  return {
    consumer,
    topic: batch.topic,
    partition: batch.partition,
    nextOffset: nextOffsetAfter(batch.lastOffset),
    events: [],
    deadLetters: batch.messages.map((message) =>
      deadLetterFromDlqRecord({
        topic: batch.topic,
        partition: batch.partition,
        offset: message.offset,
        key: message.key ?? null,
        value: message.value ?? null,
        headers: message.headers ?? {},
        timestamp: message.timestamp,
      }),
    ),
  };
}
