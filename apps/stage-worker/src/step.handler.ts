// One work item: StepRequested in, StepStarted then StepCompleted or StepFailed out, outputs in processed-images.
import { Metadata } from '@grpc/grpc-js';
import { BUCKETS, type EventOf, type StepOutput, type StepTimings } from '@imageflow/contracts';
import type { ConsumedMessage, EventProducer } from '@imageflow/messaging';
import {
  ATTR,
  Counter,
  DURATION_BUCKETS,
  Histogram,
  inSpan,
  recordError,
  trace,
  type Logger,
  type Registry,
} from '@imageflow/observability';
import {
  extensionForContentType,
  ObjectConflictError,
  stepOutputKey,
  type ObjectStore,
} from '@imageflow/storage';
import { ComputeCallError, type ComputeClient } from './compute-client.adapter';
import { fromProtoOutput, StepInputError, toProtoInput } from './port-mapping';
import { stableEventId } from '@imageflow/messaging';

export interface StepHandlerDeps {
  stageKind: string;
  workerId: string;
  runEventsTopic: string;
  compute: ComputeClient;
  store: ObjectStore;
  producer: EventProducer;
  logger: Logger;
  metrics?: Registry;
}

/** Thrown for a message that is not a work item: the consumer runner dead-letters it. */
export class NotAWorkItemError extends Error {}

const RESULT_PORT = '_result';

export class StepHandler {
  private readonly processed: Counter<'stage' | 'part'> | undefined;
  private readonly failed: Counter<'stage' | 'part' | 'reason'> | undefined;
  private readonly duration: Histogram<'stage' | 'part'> | undefined;

  constructor(private readonly deps: StepHandlerDeps) {
    const registers = deps.metrics ? [deps.metrics] : [];
    if (deps.metrics) {
      this.processed = new Counter({
        name: 'imageflow_stage_processed_total',
        help: 'Steps completed by this stage worker, per part',
        labelNames: ['stage', 'part'],
        registers,
      });
      this.failed = new Counter({
        name: 'imageflow_stage_failed_total',
        help: 'Steps failed by this stage worker, per part and reason code',
        labelNames: ['stage', 'part', 'reason'],
        registers,
      });
      this.duration = new Histogram({
        name: 'imageflow_stage_duration_seconds',
        help: 'Time from taking a work item to publishing its result',
        labelNames: ['stage', 'part'],
        buckets: DURATION_BUCKETS,
        registers,
      });
    }
  }

  /** One span per work item (inside the consumer's span), with run, image and node known to every log line. */
  readonly handle = (message: ConsumedMessage): Promise<void> => {
    const request = message.decoded.type === 'StepRequested' ? message.decoded.event : undefined;
    return inSpan(
      `step ${request?.partId ?? message.decoded.type}`,
      request
        ? {
            attributes: {
              [ATTR.stage]: this.deps.stageKind,
              [ATTR.partId]: request.partId,
              [ATTR.attempt]: request.attempt,
              ...(request.envelope.runId ? { [ATTR.runId]: request.envelope.runId } : {}),
              ...(request.envelope.imageId ? { [ATTR.imageId]: request.envelope.imageId } : {}),
              [ATTR.nodeId]: request.nodeId,
            },
            subject: {
              runId: request.envelope.runId,
              imageId: request.envelope.imageId,
              nodeId: request.nodeId,
            },
          }
        : {},
      () => this.runStep(message),
    );
  };

  private readonly runStep = async (message: ConsumedMessage): Promise<void> => {
    if (message.decoded.type !== 'StepRequested') {
      throw new NotAWorkItemError(`expected StepRequested on a stage topic, got ${message.decoded.type}`);
    }
    const request = message.decoded.event;
    const { envelope } = request;
    const runId = envelope.runId;
    if (!runId) throw new NotAWorkItemError('StepRequested without a run id');
    const log = this.deps.logger.child({
      runId,
      nodeId: request.nodeId,
      attempt: request.attempt,
      imageId: envelope.imageId,
    });
    const resultKey = stepOutputKey({ runId, nodeId: request.nodeId, port: RESULT_PORT, ext: 'json' });

    // A redelivered item whose result is already stored: publish the same result again (same event id), no recompute.
    const previous = await this.readResult(resultKey);
    if (previous) {
      log.info('result already stored; republishing it');
      await this.publish(previous.type, previous.event);
      return;
    }

    const started = Date.now();
    const queuedMs = Math.max(0, started - envelope.occurredAt);
    await this.publish('StepStarted', {
      envelope: this.envelopeFrom(
        request,
        'StepStarted',
        stableEventId(runId, request.nodeId, String(request.attempt), 'started'),
      ),
      nodeId: request.nodeId,
      attempt: request.attempt,
      workerId: this.deps.workerId,
    });

    let fetchMs = 0;
    let computeMs = 0;
    let storeMs = 0;
    try {
      if (Date.now() > request.deadlineAt) {
        throw new ComputeCallError(
          'TIMEOUT',
          `the step's deadline passed before it was taken (queued ${queuedMs} ms)`,
          true,
          4,
        );
      }
      const t0 = Date.now();
      const inputs = await Promise.all(
        request.inputs.map((input) =>
          toProtoInput(input, (ref) => this.deps.store.get({ bucket: ref.bucket, key: ref.key })),
        ),
      );
      fetchMs = Date.now() - t0;

      const t1 = Date.now();
      // Trace context and the run/image/node go into the metadata in the client's tracing interceptor.
      const metadata = new Metadata();
      const response = await this.deps.compute.apply(
        {
          partId: request.partId,
          partVersion: request.partVersion,
          parametersJson: request.parametersJson,
          inputs,
        },
        metadata,
      );
      computeMs = Date.now() - t1;

      const t2 = Date.now();
      const outputs: StepOutput[] = [];
      for (const value of response.outputs) {
        outputs.push(
          await fromProtoOutput(value, async (port, image) => {
            const location = {
              bucket: BUCKETS.processedImages,
              key: stepOutputKey({
                runId,
                nodeId: request.nodeId,
                port,
                ext: extensionForContentType(image.contentType),
              }),
            };
            const stored = await this.storeOnce(location, image.data, image.contentType);
            return { ...stored, width: image.width || null, height: image.height || null };
          }),
        );
      }
      storeMs = Date.now() - t2;
      const timings: StepTimings = {
        queuedMs,
        fetchMs,
        computeMs,
        storeMs,
        totalMs: Date.now() - started + queuedMs,
      };
      const completed: EventOf<'StepCompleted'> = {
        envelope: this.envelopeFrom(request, 'StepCompleted', stableEventId(runId, request.nodeId, 'result')),
        nodeId: request.nodeId,
        partId: request.partId,
        attempt: request.attempt,
        outputs,
        timings,
        workerId: this.deps.workerId,
        modelId: null,
        modelVersion: null,
      };
      await this.writeResult(resultKey, 'StepCompleted', completed);
      await this.publish('StepCompleted', completed);
      this.processed?.inc({ stage: this.deps.stageKind, part: request.partId });
      this.duration?.observe(
        { stage: this.deps.stageKind, part: request.partId },
        (Date.now() - started) / 1000,
      );
      log.info({ computeMs, outputs: outputs.length }, 'step completed');
    } catch (error) {
      const span = trace.getActiveSpan();
      if (span) recordError(span, error);
      const { code, reason, retryable } = describeFailure(error);
      const failed: EventOf<'StepFailed'> = {
        envelope: this.envelopeFrom(
          request,
          'StepFailed',
          stableEventId(runId, request.nodeId, String(request.attempt), 'failed'),
        ),
        nodeId: request.nodeId,
        partId: request.partId,
        attempt: request.attempt,
        code,
        message: reason,
        retryable,
        timings: { queuedMs, fetchMs, computeMs, storeMs, totalMs: Date.now() - started + queuedMs },
        workerId: this.deps.workerId,
      };
      // A permanent failure is this step's result; a transient one belongs to this attempt only.
      if (!retryable) await this.writeResult(resultKey, 'StepFailed', failed);
      await this.publish('StepFailed', failed);
      this.failed?.inc({ stage: this.deps.stageKind, part: request.partId, reason: code });
      log.warn({ code, retryable, reason }, 'step failed');
    }
  };

  private envelopeFrom<T extends 'StepStarted' | 'StepCompleted' | 'StepFailed'>(
    request: EventOf<'StepRequested'>,
    type: T,
    eventId: string,
  ): EventOf<T>['envelope'] {
    return {
      ...request.envelope,
      eventId,
      type,
      occurredAt: Date.now(),
      causationId: request.envelope.eventId,
    };
  }

  private async publish<T extends 'StepStarted' | 'StepCompleted' | 'StepFailed'>(
    type: T,
    event: EventOf<T>,
  ): Promise<void> {
    // The producer's span (child of this step's span) becomes the event's traceparent.
    await this.deps.producer.publish(this.deps.runEventsTopic, event.envelope.runId ?? '', type, event);
  }

  private async storeOnce(location: { bucket: string; key: string }, data: Buffer, contentType: string) {
    try {
      const stored = await this.deps.store.putImmutable(location, data, { contentType });
      return {
        bucket: stored.bucket,
        key: stored.key,
        etag: stored.etag,
        size: stored.size,
        contentType,
        sha256: stored.sha256,
      };
    } catch (error) {
      // An earlier try stored a different encoding of the same output: the first one stays, as its result may be known.
      if (!(error instanceof ObjectConflictError)) throw error;
      const existing = error.existing;
      return {
        bucket: location.bucket,
        key: location.key,
        etag: existing.etag,
        size: existing.size,
        contentType: existing.contentType ?? contentType,
        sha256: existing.sha256 ?? null,
      };
    }
  }

  private async readResult(
    key: string,
  ): Promise<
    | { type: 'StepCompleted'; event: EventOf<'StepCompleted'> }
    | { type: 'StepFailed'; event: EventOf<'StepFailed'> }
    | undefined
  > {
    const location = { bucket: BUCKETS.processedImages, key };
    if (!(await this.deps.store.stat(location))) return undefined;
    return JSON.parse((await this.deps.store.get(location)).toString('utf8')) as
      | { type: 'StepCompleted'; event: EventOf<'StepCompleted'> }
      | { type: 'StepFailed'; event: EventOf<'StepFailed'> };
  }

  private async writeResult(key: string, type: 'StepCompleted' | 'StepFailed', event: object): Promise<void> {
    await this.deps.store.put(
      { bucket: BUCKETS.processedImages, key },
      Buffer.from(JSON.stringify({ type, event })),
      {
        contentType: 'application/json',
      },
    );
  }
}

function describeFailure(error: unknown): { code: string; reason: string; retryable: boolean } {
  if (error instanceof ComputeCallError)
    return { code: error.code, reason: error.message, retryable: error.retryable };
  if (error instanceof StepInputError) return { code: error.code, reason: error.message, retryable: false };
  const name = error instanceof Error ? error.name : '';
  const reason = error instanceof Error ? error.message : String(error);
  if (name === 'ObjectNotFoundError') return { code: 'INPUT_NOT_FOUND', reason, retryable: false };
  // Object store or anything else unexpected: worth another attempt of the step.
  return { code: 'WORKER_ERROR', reason, retryable: true };
}
