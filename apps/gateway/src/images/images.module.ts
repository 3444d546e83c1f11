import { Module } from '@nestjs/common';
import { ThrottlerModule } from '@nestjs/throttler';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway.config';
import { ImageProbe } from './adapters/image-probe.adapter';
import { ImagesController } from './controllers/images.controller';
import { IngestMetrics } from './ingest.metrics';
import { imagesRepositoryProvider } from './repositories/images.repository';
import { IngestDedupRepository } from './repositories/ingest-dedup.repository';
import { ImagesQueryService } from './services/images-query.service';
import { IMAGE_PROBE, IngestService } from './services/ingest.service';

@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      inject: [GATEWAY_CONFIG],
      useFactory: (config: GatewayConfig) => ({
        throttlers: [{ name: 'ingest', ttl: config.INGEST_RATE_WINDOW_MS, limit: config.INGEST_RATE_LIMIT }],
      }),
    }),
  ],
  controllers: [ImagesController],
  providers: [
    {
      provide: IMAGE_PROBE,
      inject: [GATEWAY_CONFIG],
      useFactory: (config: GatewayConfig) =>
        new ImageProbe({
          formats: config.INGEST_FORMATS,
          maxPixels: config.INGEST_MAX_PIXELS,
          concurrency: config.INGEST_VALIDATE_CONCURRENCY,
        }),
    },
    IngestMetrics,
    IngestDedupRepository,
    imagesRepositoryProvider,
    IngestService,
    ImagesQueryService,
  ],
})
export class ImagesModule {}
