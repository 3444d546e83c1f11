// kafkajs types that appear in this library's API, so apps need not import kafkajs themselves.
export type { IHeaders, Kafka, KafkaMessage, Message, RecordMetadata } from 'kafkajs';
export * from './kafka.adapter';
export * from './errors';
export * from './event-serde';
export * from './headers';
export * from './message-tracing';
export * from './event-producer';
export * from './backoff';
export * from './dead-letter';
export * from './metrics';
export * from './consumer-runner';
export * from './checkpointed-batch-consumer';
export * from './topic-reader';
export * from './stable-id';
