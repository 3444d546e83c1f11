import { Module } from '@nestjs/common';
import { ImagesRepository, PipelinesRepository, type Pool } from '@imageflow/persistence';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway.config';
import { ImageProbe } from '../images/adapters/image-probe.adapter';
import { PartsModule } from '../parts/parts.module';
import { DB_POOL } from '../platform/platform.tokens';
import { RunRequestsController } from './controllers/run-requests.controller';
import { RunsController } from './controllers/runs.controller';
import { runsRepositoryProvider } from './repositories/runs.repository';
import { RUN_IMAGE_PROBE, RunRequestsService } from './services/run-requests.service';
import { RunsService } from './services/runs.service';

@Module({
  imports: [PartsModule],
  controllers: [RunsController, RunRequestsController],
  providers: [
    runsRepositoryProvider,
    RunsService,
    RunRequestsService,
    {
      // The same checks as ingest (formats, pixel limit, full decode); its own decode slots.
      provide: RUN_IMAGE_PROBE,
      inject: [GATEWAY_CONFIG],
      useFactory: (config: GatewayConfig) =>
        new ImageProbe({
          formats: config.INGEST_FORMATS,
          maxPixels: config.INGEST_MAX_PIXELS,
          concurrency: config.INGEST_VALIDATE_CONCURRENCY,
        }),
    },
    {
      provide: PipelinesRepository,
      inject: [DB_POOL],
      useFactory: (pool: Pool) => new PipelinesRepository(pool),
    },
    { provide: ImagesRepository, inject: [DB_POOL], useFactory: (pool: Pool) => new ImagesRepository(pool) },
  ],
})
export class RunsModule {}
