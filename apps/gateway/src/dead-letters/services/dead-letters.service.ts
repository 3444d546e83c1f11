import {
  BadRequestException,
  Inject,
  Injectable,
  NotFoundException,
  ServiceUnavailableException,
} from '@nestjs/common';
import type { z } from '@imageflow/config';
import { HEADERS } from '@imageflow/contracts';
import { REDRIVE_COUNT_HEADER, redriveMessage, type EventProducer } from '@imageflow/messaging';
import type { Logger } from '@imageflow/observability';
import { InvalidCursorError, type DeadLetterRecord } from '@imageflow/persistence';
import type { KafkaMessage } from 'kafkajs';
import { EVENT_PRODUCER, LOGGER } from '../../platform/platform.tokens';
import type {
  deadLetterPageSchema,
  deadLetterSchema,
  deadLettersQuerySchema,
  redriveResultSchema,
} from '../dead-letters.schemas';
import { DeadLettersRepository } from '../repositories/dead-letters.repository';

const toResponse = ({ key, value, ...record }: DeadLetterRecord): z.infer<typeof deadLetterSchema> => ({
  ...record,
  key: key ? key.toString('utf8') : null,
  valueSize: value?.length ?? 0,
});

/**
 * The dead letter as it was read from the DLQ topic: original key, bytes and headers plus the dlq-* headers.
 * The table keeps the source position in columns too; they fill in any dlq-* header the row does not carry.
 */
export function deadLetterAsKafkaMessage(record: DeadLetterRecord): KafkaMessage {
  const headers: Record<string, string> = {
    [HEADERS.dlqError]: record.error,
    [HEADERS.dlqAttempts]: String(record.attempts),
    [HEADERS.dlqTopic]: record.originalTopic,
    [HEADERS.dlqPartition]: String(record.originalPartition ?? -1),
    [HEADERS.dlqOffset]: record.originalOffset ?? '-1',
    [HEADERS.dlqFailedAt]: record.failedAt,
    ...(record.consumerGroup ? { [HEADERS.dlqGroup]: record.consumerGroup } : {}),
    ...record.headers,
    // The row's count is authoritative: re-drives are recorded there, not in the stored headers.
    [REDRIVE_COUNT_HEADER]: String(record.redriveCount),
  };
  return {
    key: record.key,
    value: record.value,
    headers,
    timestamp: String(Date.parse(record.failedAt)),
    attributes: 0,
    offset: record.originalOffset ?? '-1',
  };
}

@Injectable()
export class DeadLettersService {
  constructor(
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(EVENT_PRODUCER) private readonly producer: EventProducer,
    private readonly deadLetters: DeadLettersRepository,
  ) {}

  async list(query: z.infer<typeof deadLettersQuerySchema>): Promise<z.infer<typeof deadLetterPageSchema>> {
    try {
      const page = await this.deadLetters.listDeadLetters(
        { ...(query.topic ? { originalTopic: query.topic } : {}), pending: query.pending },
        { limit: query.limit, cursor: query.cursor ?? null },
      );
      return { items: page.items.map(toResponse), nextCursor: page.nextCursor };
    } catch (error) {
      if (error instanceof InvalidCursorError) throw new BadRequestException(error.message);
      throw error;
    }
  }

  /** Produces the original bytes and headers to the original topic again, then records the re-drive. */
  async redrive(id: string): Promise<z.infer<typeof redriveResultSchema>> {
    const record = await this.deadLetters.getDeadLetter(id);
    if (!record) throw new NotFoundException(`no dead letter ${id}`);
    const { topic, message } = redriveMessage(deadLetterAsKafkaMessage(record));
    try {
      await this.producer.sendRaw(topic, [message]);
    } catch (error) {
      throw new ServiceUnavailableException(
        `re-drive to ${topic} failed, nothing recorded; retry: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    const updated = await this.deadLetters.markRedriven(id);
    this.logger.info(
      { deadLetterId: id, topic, redriveCount: updated?.redriveCount },
      'dead letter re-driven',
    );
    return {
      id,
      topic,
      redriveCount: updated?.redriveCount ?? record.redriveCount + 1,
      redrivenAt: updated?.redrivenAt ?? new Date().toISOString(),
    };
  }
}
