// Spans of the projector: one per event applied, child of that event's consumer span, around the transaction that
// writes the whole batch (so each image's trace shows when its events reached the read models).
import type { CheckpointedBatch } from '@imageflow/messaging';
import { ATTR, context, recordError, subjectAttributes, tracer, type Span } from '@imageflow/observability';

export async function inApplySpans<T>(batch: CheckpointedBatch, apply: () => Promise<T>): Promise<T> {
  const spans: Span[] = batch.messages.map(({ decoded, traceContext, offset }) => {
    const { envelope } = decoded.event;
    return tracer().startSpan(
      `projector apply ${decoded.type}`,
      {
        attributes: {
          [ATTR.eventType]: decoded.type,
          [ATTR.eventId]: envelope.eventId,
          [ATTR.messagingDestination]: batch.topic,
          [ATTR.messagingPartition]: String(batch.partition),
          [ATTR.messagingOffset]: Number(offset),
          [ATTR.messagingBatchCount]: batch.messages.length,
          ...subjectAttributes({ runId: envelope.runId, imageId: envelope.imageId }),
        },
      },
      traceContext ?? context.active(),
    );
  });
  try {
    return await apply();
  } catch (error) {
    for (const span of spans) recordError(span, error);
    throw error;
  } finally {
    for (const span of spans) span.end();
  }
}
