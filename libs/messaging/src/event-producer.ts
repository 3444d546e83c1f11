import type { EventOf, EventType } from '@imageflow/contracts';
import {
  ATTR,
  recordError,
  type Context,
  type Logger,
  type Registry,
  type Span,
} from '@imageflow/observability';
import type { Kafka, Message, Producer, RecordMetadata, TopicMessages } from 'kafkajs';
import type { EventSerde } from './event-serde';
import { eventHeaders, traceContextFor } from './headers';
import { createIdempotentProducer } from './kafka.adapter';
import { startProducerSpan } from './message-tracing';
import { messagingMetrics, type MessagingMetrics } from './metrics';

export interface PublishItem<T extends EventType = EventType> {
  topic: string;
  key: string;
  type: T;
  event: EventOf<T>;
  headers?: Record<string, string>;
}

export interface EventProducerOptions {
  logger?: Logger;
  metrics?: Registry;
}

/**
 * Publishes events: validated, registry-encoded, with envelope and trace headers. Idempotent producer, acks from
 * all in-sync replicas, one request in flight: a key's events land in the order they were published.
 */
export class EventProducer {
  private readonly producer: Producer;
  private readonly metrics: MessagingMetrics | undefined;
  private connected: Promise<void> | undefined;

  constructor(
    kafka: Kafka,
    private readonly serde: EventSerde,
    private readonly opts: EventProducerOptions = {},
  ) {
    this.producer = createIdempotentProducer(kafka);
    this.metrics = opts.metrics ? messagingMetrics(opts.metrics) : undefined;
  }

  /** Connects once; concurrent callers share the same connection attempt. */
  connect(): Promise<void> {
    if (!this.connected) {
      this.connected = this.producer.connect();
      this.connected.catch(() => (this.connected = undefined));
    }
    return this.connected;
  }

  async disconnect(): Promise<void> {
    if (!this.connected) return;
    this.connected = undefined;
    await this.producer.disconnect();
  }

  /** Encodes and sends one event; resolves once all in-sync replicas have it. */
  async publish<T extends EventType>(
    topic: string,
    key: string,
    type: T,
    event: EventOf<T>,
    extraHeaders?: Record<string, string>,
  ): Promise<RecordMetadata> {
    const { span, context } = startProducerSpan(topic, key, event.envelope);
    try {
      const message = await this.toMessage({ topic, key, type, event, headers: extraHeaders }, context);
      await this.connect();
      const [metadata] = await this.producer.send({ topic, acks: -1, messages: [message] });
      this.metrics?.produced.inc({ topic });
      if (!metadata) throw new Error(`publish to ${topic}: broker returned no record metadata`);
      span.setAttribute(ATTR.messagingPartition, String(metadata.partition));
      this.opts.logger?.debug(
        { topic, key, type, eventId: event.envelope.eventId, partition: metadata.partition },
        'event published',
      );
      return metadata;
    } catch (error) {
      recordError(span, error);
      throw error;
    } finally {
      span.end();
    }
  }

  /**
   * Encodes every item first (nothing is sent if one is invalid), then sends them in one request. Items keep their
   * order within a topic, so events of one key stay in order.
   */
  async publishMany(items: PublishItem[]): Promise<void> {
    if (items.length === 0) return;
    // One PRODUCER span per event, so each consumer's span has its own parent.
    const spans: Span[] = [];
    try {
      const messages = await Promise.all(
        items.map((item) => {
          const { span, context } = startProducerSpan(item.topic, item.key, item.event.envelope);
          spans.push(span);
          return this.toMessage(item, context);
        }),
      );
      const byTopic = new Map<string, Message[]>();
      items.forEach((item, i) => {
        const list = byTopic.get(item.topic) ?? [];
        list.push(messages[i] as Message);
        byTopic.set(item.topic, list);
      });
      const topicMessages: TopicMessages[] = [...byTopic].map(([topic, list]) => ({ topic, messages: list }));
      await this.connect();
      await this.producer.sendBatch({ acks: -1, topicMessages });
      for (const { topic, messages: list } of topicMessages)
        this.metrics?.produced.inc({ topic }, list.length);
    } catch (error) {
      for (const span of spans) recordError(span, error);
      throw error;
    } finally {
      for (const span of spans) span.end();
    }
  }

  /** Sends messages as they are (bytes and headers untouched): dead letters and their re-drive. */
  async sendRaw(topic: string, messages: Message[]): Promise<void> {
    if (messages.length === 0) return;
    await this.connect();
    await this.producer.send({ topic, acks: -1, messages });
    this.metrics?.produced.inc({ topic }, messages.length);
  }

  /** `traceContext`: the producer span's context, written as `traceparent` (unless `item.headers` overrides it). */
  private async toMessage(item: PublishItem, traceContext: Context): Promise<Message> {
    const value = await this.serde.encode(item.type, item.event as never);
    const { envelope } = item.event;
    return {
      key: item.key,
      value,
      headers: eventHeaders(envelope, item.headers, traceContextFor(envelope, traceContext)),
    };
  }
}
