/** Kafka topics. Keys keep each run's (or camera's) events in order on one partition. */
export const TOPICS = {
  /** ImageCaptured; key camera id. */
  images: 'imageflow.images.v1',
  /** The event log: run, step and replay events; key run id (replay id for replay events). */
  runEvents: 'imageflow.run-events.v1',
  /** Pipeline configuration: versions created and activated (key pipeline id), bindings (key camera:<id> / line:<id>). */
  pipelines: 'imageflow.pipelines.v1',
  /** Dead letters with the original bytes, headers and the error. */
  deadLetters: 'imageflow.dlq.v1',
} as const;

const STAGE_KIND = /^[a-z][a-z0-9-]{0,39}$/;

/** Work items for one stage kind (e.g. `image`, `ai`); key run id. */
export function stageTopic(kind: string): string {
  if (!STAGE_KIND.test(kind))
    throw new Error(`invalid stage kind "${kind}": use lowercase letters, digits and dashes`);
  return `imageflow.stage.${kind}.v1`;
}

/** Kafka header names. Envelope ids travel as headers too, so tools can route and trace without decoding. */
export const HEADERS = {
  traceparent: 'traceparent',
  tracestate: 'tracestate',
  eventId: 'imageflow-event-id',
  eventType: 'imageflow-event-type',
  runId: 'imageflow-run-id',
  imageId: 'imageflow-image-id',
  correlationId: 'imageflow-correlation-id',
  causationId: 'imageflow-causation-id',
  // Dead-letter headers
  dlqError: 'imageflow-dlq-error',
  dlqAttempts: 'imageflow-dlq-attempts',
  dlqTopic: 'imageflow-dlq-original-topic',
  dlqPartition: 'imageflow-dlq-original-partition',
  dlqOffset: 'imageflow-dlq-original-offset',
  dlqGroup: 'imageflow-dlq-consumer-group',
  dlqFailedAt: 'imageflow-dlq-failed-at',
} as const;

/** Object-store buckets (ARCHITECTURE.md, Storage). */
export const BUCKETS = {
  rawImages: 'raw-images',
  processedImages: 'processed-images',
  models: 'models',
  systemLogs: 'system-logs',
} as const;
