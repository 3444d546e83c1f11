// Produces the pipeline configuration events to PIPELINES_TOPIC: versions and activations keyed by pipeline id,
// bindings keyed by camera:<id> / line:<id>, so each key's events stay in order on one partition.
import { Inject, Injectable, ServiceUnavailableException } from '@nestjs/common';
import type { BindingTargetKind, EventOf, EventType } from '@imageflow/contracts';
import type { EventProducer } from '@imageflow/messaging';
import type { Logger } from '@imageflow/observability';
import { uuidv7 } from 'uuidv7';
import { GATEWAY_CONFIG, type GatewayConfig } from '../../config/gateway.config';
import { EVENT_PRODUCER, LOGGER } from '../../platform/platform.tokens';

type PipelineEventType =
  'PipelineVersionCreated' | 'PipelineVersionActivated' | 'BindingSet' | 'BindingRemoved';

export const bindingKey = (kind: BindingTargetKind, targetId: string): string =>
  `${kind.toLowerCase()}:${targetId}`;

export function envelopeOf(
  type: EventType,
  pipeline: { pipelineId?: string; pipelineVersion?: string } = {},
): EventOf<PipelineEventType>['envelope'] {
  const eventId = uuidv7();
  return {
    eventId,
    type,
    occurredAt: Date.now(),
    runId: null,
    imageId: null,
    pipelineId: pipeline.pipelineId ?? null,
    pipelineVersion: pipeline.pipelineVersion ?? null,
    causationId: null,
    correlationId: eventId,
  };
}

@Injectable()
export class PipelineEventsPublisher {
  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(EVENT_PRODUCER) private readonly producer: EventProducer,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** acks=all; a failure is a 503 ("nothing changed, retry"), since the read side only changes through the log. */
  async publish<T extends PipelineEventType>(key: string, type: T, event: EventOf<T>): Promise<string> {
    try {
      await this.producer.publish(this.config.PIPELINES_TOPIC, key, type, event);
    } catch (error) {
      this.logger.error({ err: error, type, key }, 'pipeline event could not be produced');
      throw new ServiceUnavailableException(
        `${type} could not be produced (${error instanceof Error ? error.message : String(error)}); nothing changed, retry`,
      );
    }
    this.logger.info({ type, key, eventId: event.envelope.eventId }, 'pipeline event published');
    return event.envelope.eventId;
  }
}
