import { Inject, Injectable } from '@nestjs/common';
import { Counter, type Registry } from '@imageflow/observability';
import { METRICS_REGISTRY } from '../platform/platform.tokens';
import type { RejectionReason } from './ingest-rejection';

@Injectable()
export class IngestMetrics {
  readonly images: Counter<'camera_id'>;
  readonly bytes: Counter<'camera_id'>;
  readonly duplicates: Counter<'camera_id'>;
  private readonly rejected: Counter<'reason'>;

  constructor(@Inject(METRICS_REGISTRY) registry: Registry) {
    this.images = new Counter({
      name: 'imageflow_ingest_images_total',
      help: 'New images accepted at ingest (stored and ImageCaptured produced), by camera',
      labelNames: ['camera_id'],
      registers: [registry],
    });
    this.bytes = new Counter({
      name: 'imageflow_ingest_bytes_total',
      help: 'Bytes of new images accepted at ingest, by camera',
      labelNames: ['camera_id'],
      registers: [registry],
    });
    this.duplicates = new Counter({
      name: 'imageflow_ingest_duplicates_total',
      help: 'Uploads of bytes that were already ingested (no new event), by camera',
      labelNames: ['camera_id'],
      registers: [registry],
    });
    this.rejected = new Counter({
      name: 'imageflow_ingest_rejected_total',
      help: 'Uploads refused at the border, by reason',
      labelNames: ['reason'],
      registers: [registry],
    });
  }

  reject(reason: RejectionReason): void {
    this.rejected.inc({ reason });
  }
}
