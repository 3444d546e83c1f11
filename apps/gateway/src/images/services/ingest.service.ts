import { Inject, Injectable, ServiceUnavailableException } from '@nestjs/common';
import type { EventOf } from '@imageflow/contracts';
import type { EventProducer } from '@imageflow/messaging';
import type { Logger } from '@imageflow/observability';
import { extensionForContentType, rawImageKey, sha256Hex, type ObjectStore } from '@imageflow/storage';
import { uuidv7 } from 'uuidv7';
import { GATEWAY_CONFIG, type GatewayConfig } from '../../config/gateway.config';
import { EVENT_PRODUCER, LOGGER, OBJECT_STORE } from '../../platform/platform.tokens';
import type { ImageProbe } from '../adapters/image-probe.adapter';
import { IngestRejection } from '../ingest-rejection';
import { IngestMetrics } from '../ingest.metrics';
import type { CaptureFields, IngestResult } from '../ingest.schemas';
import { IngestDedupRepository } from '../repositories/ingest-dedup.repository';

export const IMAGE_PROBE = Symbol('IMAGE_PROBE');

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Camera ingest: validate → store under the SHA-256 id → claim → produce ImageCaptured → mark published.
 *
 * Why this order:
 * - Nothing is written for bad input: validation (fields, then sharp) happens before any store or claim.
 * - The object is stored before the claim. A crash after the store leaves an unreferenced object under its
 *   content address, which the retry of the same bytes reuses (putImmutable skips the upload).
 * - The claim (ingest_dedup, INSERT … ON CONFLICT DO NOTHING) makes one request the publisher of these bytes,
 *   across concurrent requests and restarts. The claim is a lease, so it never blocks a retry for good:
 *   a failed publish releases it at once (the client gets 503 and retries), a crash lets it expire.
 *   The taker-over publishes the SAME event id; if the first send did reach Kafka after all, the two
 *   messages are one event to every consumer (the projector's event_log is unique by event id).
 */
@Injectable()
export class IngestService {
  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(OBJECT_STORE) private readonly store: ObjectStore,
    @Inject(EVENT_PRODUCER) private readonly producer: EventProducer,
    @Inject(IMAGE_PROBE) private readonly probe: ImageProbe,
    private readonly dedup: IngestDedupRepository,
    private readonly metrics: IngestMetrics,
  ) {}

  async ingest(
    bytes: Buffer,
    declaredType: string | undefined,
    fields: CaptureFields,
  ): Promise<IngestResult> {
    const receivedAt = Date.now();
    const image = await this.probe.probe(bytes);
    if (declaredType?.startsWith('image/') && declaredType !== image.contentType) {
      throw new IngestRejection(
        'type_mismatch',
        `declared Content-Type ${declaredType} but the bytes are ${image.format} (${image.contentType})`,
      );
    }
    const imageId = sha256Hex(bytes);
    const log = this.logger.child({ imageId, cameraId: fields.cameraId });

    const known = await this.dedup.find(imageId);
    if (known?.published) return this.duplicate(imageId, known.eventId, fields.cameraId);

    const location = {
      bucket: this.config.RAW_IMAGES_BUCKET,
      key: rawImageKey(imageId, extensionForContentType(image.contentType)),
    };
    const stored = await this.store.putImmutable(location, bytes, { contentType: image.contentType });

    let claim = await this.dedup.claim(imageId, uuidv7(), fields.cameraId, this.config.INGEST_CLAIM_LEASE_MS);
    // Another request is publishing these bytes right now: wait a little for it rather than fail.
    for (let waited = 0; claim.kind === 'busy' && waited < 5_000; waited += 100) {
      await sleep(100);
      claim = await this.dedup.claim(imageId, uuidv7(), fields.cameraId, this.config.INGEST_CLAIM_LEASE_MS);
    }
    if (claim.kind === 'published') return this.duplicate(imageId, claim.eventId, fields.cameraId);
    if (claim.kind === 'busy') {
      throw new ServiceUnavailableException(
        'another upload of the same image is being published right now; retry in a few seconds',
      );
    }

    const event: EventOf<'ImageCaptured'> = {
      envelope: {
        eventId: claim.eventId,
        type: 'ImageCaptured',
        occurredAt: Date.now(),
        runId: null,
        imageId,
        pipelineId: null,
        pipelineVersion: null,
        causationId: null,
        correlationId: claim.eventId,
      },
      image: {
        bucket: stored.bucket,
        key: stored.key,
        etag: stored.etag,
        size: stored.size,
        contentType: image.contentType,
        sha256: imageId,
        width: image.width,
        height: image.height,
      },
      capture: {
        cameraId: fields.cameraId,
        lineId: fields.lineId ?? null,
        lot: fields.lot ?? null,
        serial: fields.serial ?? null,
        capturedAt: fields.capturedAt ? Date.parse(fields.capturedAt) : receivedAt,
        source: fields.source,
      },
      idempotencyKey: fields.idempotencyKey ?? null,
    };
    try {
      await this.producer.publish(this.config.IMAGES_TOPIC, fields.cameraId, 'ImageCaptured', event);
    } catch (error) {
      await this.dedup
        .release(imageId, claim.token)
        .catch((releaseError: unknown) =>
          log.warn({ err: releaseError }, 'could not release the ingest claim; it expires with its lease'),
        );
      log.error({ err: error, eventId: claim.eventId }, 'ImageCaptured could not be produced');
      throw new ServiceUnavailableException(
        `the image is stored but its ImageCaptured event could not be produced (${messageOf(error)}); retry — the retry reuses event id ${claim.eventId}`,
      );
    }
    await this.dedup.markPublished(imageId).catch((error: unknown) =>
      // The event is out; a later resend would re-publish the same event id, which consumers treat as one.
      log.error({ err: error, eventId: claim.eventId }, 'ImageCaptured produced but not marked published'),
    );
    this.metrics.images.inc({ camera_id: fields.cameraId });
    this.metrics.bytes.inc({ camera_id: fields.cameraId }, bytes.length);
    log.info(
      {
        eventId: claim.eventId,
        size: bytes.length,
        width: image.width,
        height: image.height,
        takenOver: claim.takenOver,
      },
      'image ingested',
    );
    return { imageId, duplicate: false, eventId: claim.eventId };
  }

  private duplicate(imageId: string, eventId: string, cameraId: string): IngestResult {
    this.metrics.duplicates.inc({ camera_id: cameraId });
    return { imageId, duplicate: true, eventId };
  }
}
