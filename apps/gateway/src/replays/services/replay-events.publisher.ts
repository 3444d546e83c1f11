// Produces ReplayRequested and ReplayCancelRequested to RUN_EVENTS_TOPIC, keyed by the replay id, so a replay's
// events stay in order on one partition (the orchestrator's replay executor and the projector read them there).
import { Inject, Injectable, ServiceUnavailableException, type OnModuleInit } from '@nestjs/common';
import type { EventOf } from '@imageflow/contracts';
import { ensureTopics, type EventProducer, type Kafka } from '@imageflow/messaging';
import type { Logger } from '@imageflow/observability';
import { GATEWAY_CONFIG, type GatewayConfig } from '../../config/gateway.config';
import { EVENT_PRODUCER, KAFKA, LOGGER } from '../../platform/platform.tokens';

type ReplayEventType = 'ReplayRequested' | 'ReplayCancelRequested';

@Injectable()
export class ReplayEventsPublisher implements OnModuleInit {
  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(KAFKA) private readonly kafka: Kafka,
    @Inject(EVENT_PRODUCER) private readonly producer: EventProducer,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** Creates the run-events topic when missing (like the images and pipelines topics), with ENSURE_INFRASTRUCTURE. */
  async onModuleInit(): Promise<void> {
    if (this.config.ENSURE_INFRASTRUCTURE)
      await ensureTopics(this.kafka, [{ topic: this.config.RUN_EVENTS_TOPIC }]);
  }

  /** acks=all; a failure is a 503 ("nothing changed, retry"). */
  async publish<T extends ReplayEventType>(type: T, event: EventOf<T>): Promise<string> {
    const key = event.replayId;
    try {
      await this.producer.publish(this.config.RUN_EVENTS_TOPIC, key, type, event);
    } catch (error) {
      this.logger.error({ err: error, type, key }, 'replay event could not be produced');
      throw new ServiceUnavailableException(
        `${type} could not be produced (${error instanceof Error ? error.message : String(error)}); nothing changed, retry`,
      );
    }
    this.logger.info({ type, replayId: key, eventId: event.envelope.eventId }, 'replay event published');
    return event.envelope.eventId;
  }
}
