// Manual runs: one image through a saved version or an unsaved draft. The gateway stores the image like ingest does
// (raw-images, id = SHA-256, same probe) and appends a RunStarted (trigger MANUAL) to the run log, keyed by the run
// id; the orchestrator drives every RunStarted it reads, and the projector shows the run like any other.
import { Inject, Injectable, NotFoundException, ServiceUnavailableException } from '@nestjs/common';
import type { Capture, EventOf, ObjectRef } from '@imageflow/contracts';
import type { EventProducer } from '@imageflow/messaging';
import type { Logger } from '@imageflow/observability';
import { ImagesRepository, PipelinesRepository } from '@imageflow/persistence';
import { canonicalDefinition, versionIdOf, type PipelineDefinition, type RunPlan } from '@imageflow/pipeline';
import {
  extensionForContentType,
  parseRawImageKey,
  rawImageKey,
  sha256Hex,
  type ObjectStore,
} from '@imageflow/storage';
import { uuidv7 } from 'uuidv7';
import { GATEWAY_CONFIG, type GatewayConfig } from '../../config/gateway.config';
import type { ImageProbe } from '../../images/adapters/image-probe.adapter';
import { IngestRejection } from '../../images/ingest-rejection';
import { PartsCatalogService } from '../../parts/services/parts-catalog.service';
import { EVENT_PRODUCER, LOGGER, OBJECT_STORE } from '../../platform/platform.tokens';
import {
  DRAFT_PIPELINE_ID,
  type RunRequested,
  type RunStoredImage,
  type RunUploadFields,
} from '../run-requests.schemas';

export const RUN_IMAGE_PROBE = Symbol('RUN_IMAGE_PROBE');

interface Target {
  pipelineId: string;
  version: string;
  plan: RunPlan;
}

interface StoredImage {
  imageId: string;
  ref: ObjectRef;
  /** The capture it was ingested with, when it was (a manual upload has none). */
  capture: Capture | null;
}

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

@Injectable()
export class RunRequestsService {
  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(OBJECT_STORE) private readonly store: ObjectStore,
    @Inject(EVENT_PRODUCER) private readonly producer: EventProducer,
    @Inject(RUN_IMAGE_PROBE) private readonly probe: ImageProbe,
    private readonly pipelines: PipelinesRepository,
    private readonly images: ImagesRepository,
    private readonly parts: PartsCatalogService,
  ) {}

  /** An uploaded image: checked before anything is stored (a bad draft or unknown version costs no upload). */
  async runUpload(
    bytes: Buffer,
    declaredType: string | undefined,
    fields: RunUploadFields,
    by: string,
  ): Promise<RunRequested> {
    const target = await this.target(fields);
    const image = await this.storeUpload(bytes, declaredType);
    const capture: Capture = {
      cameraId: fields.cameraId ?? 'manual',
      lineId: fields.lineId ?? null,
      lot: fields.lot ?? null,
      serial: fields.serial ?? null,
      capturedAt: Date.now(),
      source: 'UPLOAD',
    };
    return this.start(target, image, capture, by);
  }

  /** An image already stored: the capture it was ingested with is kept (camera, line, lot, serial). */
  async runStored(body: RunStoredImage, by: string): Promise<RunRequested> {
    const target = await this.target(body);
    const image = await this.findStored(body.imageId);
    const capture: Capture = image.capture ?? {
      cameraId: 'manual',
      lineId: null,
      lot: null,
      serial: null,
      capturedAt: Date.now(),
      source: 'UPLOAD',
    };
    return this.start(target, image, capture, by);
  }

  private async target(input: {
    pipelineId?: string | undefined;
    version?: string | undefined;
    definition?: unknown;
  }): Promise<Target> {
    if (input.definition !== undefined) {
      const definition = input.definition as PipelineDefinition;
      const stageKinds = await this.validateDraft(definition);
      return {
        pipelineId: input.pipelineId ?? DRAFT_PIPELINE_ID,
        version: versionIdOf(definition),
        plan: { definition: canonicalDefinition(definition), stageKinds },
      };
    }
    const pipelineId = input.pipelineId as string;
    const version = input.version as string;
    const saved = await this.pipelines.getPipelineVersion(pipelineId, version);
    if (!saved) {
      const pipeline = await this.pipelines.getPipeline(pipelineId);
      throw new NotFoundException(
        pipeline
          ? `pipeline ${pipelineId} has no version ${version} (or it is not projected yet)`
          : `no pipeline ${pipelineId} (or it is not projected yet)`,
      );
    }
    return {
      pipelineId,
      version,
      plan: {
        definition: canonicalDefinition(saved.definition as PipelineDefinition),
        stageKinds: saved.stageKinds,
      },
    };
  }

  /** The same rules as saving a version: PartsCatalogService.stageKindsOf (422 located issues, 503 incomplete). */
  private validateDraft(definition: PipelineDefinition): Promise<Record<string, string>> {
    return this.parts.stageKindsOf(definition);
  }

  private async storeUpload(bytes: Buffer, declaredType: string | undefined): Promise<StoredImage> {
    const probed = await this.probe.probe(bytes);
    if (declaredType?.startsWith('image/') && declaredType !== probed.contentType)
      throw new IngestRejection(
        'type_mismatch',
        `declared Content-Type ${declaredType} but the bytes are ${probed.format} (${probed.contentType})`,
      );
    const imageId = sha256Hex(bytes);
    const stored = await this.store.putImmutable(
      {
        bucket: this.config.RAW_IMAGES_BUCKET,
        key: rawImageKey(imageId, extensionForContentType(probed.contentType)),
      },
      bytes,
      { contentType: probed.contentType },
    );
    return {
      imageId,
      capture: null,
      ref: {
        bucket: stored.bucket,
        key: stored.key,
        etag: stored.etag,
        size: stored.size,
        contentType: probed.contentType,
        sha256: imageId,
        width: probed.width,
        height: probed.height,
      },
    };
  }

  /** From the images read model (ingested captures), else from raw-images itself (earlier manual uploads). */
  private async findStored(imageId: string): Promise<StoredImage> {
    const known = await this.images.getImage(imageId);
    if (known) {
      return {
        imageId,
        ref: {
          bucket: known.bucket,
          key: known.key,
          etag: known.etag,
          size: known.size,
          contentType: known.contentType,
          sha256: imageId,
          width: known.width,
          height: known.height,
        },
        capture: {
          cameraId: known.cameraId,
          lineId: known.lineId,
          lot: known.lot,
          serial: known.serial,
          capturedAt: Date.parse(known.capturedAt),
          source: known.source as Capture['source'],
        },
      };
    }
    const bucket = this.config.RAW_IMAGES_BUCKET;
    const prefix = `${rawImageKey(imageId, 'png').slice(0, -'png'.length)}`;
    const key = (await this.store.list(bucket, prefix)).find((k) => parseRawImageKey(k)?.imageId === imageId);
    if (!key) throw new NotFoundException(`no stored image ${imageId}: upload it (multipart field "image")`);
    const bytes = await this.store.get({ bucket, key });
    const probed = await this.probe.probe(bytes);
    const stat = await this.store.stat({ bucket, key });
    return {
      imageId,
      capture: null,
      ref: {
        bucket,
        key,
        etag: stat?.etag ?? null,
        size: bytes.length,
        contentType: probed.contentType,
        sha256: imageId,
        width: probed.width,
        height: probed.height,
      },
    };
  }

  private async start(
    target: Target,
    image: StoredImage,
    capture: Capture,
    by: string,
  ): Promise<RunRequested> {
    const runId = uuidv7();
    const eventId = uuidv7();
    const event: EventOf<'RunStarted'> = {
      envelope: {
        eventId,
        type: 'RunStarted',
        occurredAt: Date.now(),
        runId,
        imageId: image.imageId,
        pipelineId: target.pipelineId,
        pipelineVersion: target.version,
        causationId: null,
        correlationId: eventId,
      },
      image: image.ref,
      capture,
      trigger: 'MANUAL',
      replayId: null,
      // The orchestrator reads a RunPlan here (run-events.mapping.ts parsePlan): the definition and stage kinds.
      definitionJson: JSON.stringify(target.plan),
    };
    try {
      await this.producer.publish(this.config.RUN_EVENTS_TOPIC, runId, 'RunStarted', event);
    } catch (error) {
      this.logger.error({ err: error, runId }, 'manual RunStarted could not be produced');
      throw new ServiceUnavailableException(
        `the run could not be started (${messageOf(error)}); the image is stored, nothing else changed, retry`,
      );
    }
    this.logger.info(
      {
        runId,
        imageId: image.imageId,
        pipelineId: target.pipelineId,
        version: target.version,
        by,
      },
      'manual run started',
    );
    return {
      runId,
      imageId: image.imageId,
      pipelineId: target.pipelineId,
      pipelineVersion: target.version,
    };
  }
}
