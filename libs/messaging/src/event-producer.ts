import type { EventOf, EventType } from '@imageflow/contracts';
import type { Logger, Registry } from '@imageflow/observability';
import type { Kafka, Message, Producer, RecordMetadata, TopicMessages } from 'kafkajs';
import type { EventSerde } from './event-serde';
import { eventHeaders } from './headers';
import { createIdempotentProducer } from './kafka.adapter';
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
    const message = await this.toMessage({ topic, key, type, event, headers: extraHeaders });
    await this.connect();
    const [metadata] = await this.producer.send({ topic, acks: -1, messages: [message] });
    this.metrics?.produced.inc({ topic });
    if (!metadata) throw new Error(`publish to ${topic}: broker returned no record metadata`);
    this.opts.logger?.debug(
      { topic, key, type, eventId: event.envelope.eventId, partition: metadata.partition },
      'event published',
    );
    return metadata;
  }

  /**
   * Encodes every item first (nothing is sent if one is invalid), then sends them in one request. Items keep their
   * order within a topic, so events of one key stay in order.
   */
  async publishMany(items: PublishItem[]): Promise<void> {
    if (items.length === 0) return;
    const messages = await Promise.all(items.map((item) => this.toMessage(item)));
    const byTopic = new Map<string, Message[]>();
    items.forEach((item, i) => {
      const list = byTopic.get(item.topic) ?? [];
      list.push(messages[i] as Message);
      byTopic.set(item.topic, list);
    });
    const topicMessages: TopicMessages[] = [...byTopic].map(([topic, list]) => ({ topic, messages: list }));
    await this.connect();
    await this.producer.sendBatch({ acks: -1, topicMessages });
    for (const { topic, messages: list } of topicMessages) this.metrics?.produced.inc({ topic }, list.length);
  }

  /** Sends messages as they are (bytes and headers untouched): dead letters and their re-drive. */
  async sendRaw(topic: string, messages: Message[]): Promise<void> {
    if (messages.length === 0) return;
    await this.connect();
    await this.producer.send({ topic, acks: -1, messages });
    this.metrics?.produced.inc({ topic }, messages.length);
  }

  private async toMessage(item: PublishItem): Promise<Message> {
    const value = await this.serde.encode(item.type, item.event as never);
    return { key: item.key, value, headers: eventHeaders(item.event.envelope, item.headers) };
  }
}
