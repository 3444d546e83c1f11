import { Module, type DynamicModule } from '@nestjs/common';
import type { Logger } from '@imageflow/observability';
import { AuthModule } from './auth/auth.module';
import type { GatewayConfig } from './config/gateway.config';
import { DeadLettersModule } from './dead-letters/dead-letters.module';
import { HealthModule } from './health/health.module';
import { ImagesModule } from './images/images.module';
import { LiveModule } from './live/live.module';
import { ModelsModule } from './models/models.module';
import { OperationsModule } from './operations/operations.module';
import { PartsModule } from './parts/parts.module';
import { PipelinesModule } from './pipelines/pipelines.module';
import { PlatformModule } from './platform/platform.module';
import { ReplaysModule } from './replays/replays.module';
import { RunsModule } from './runs/runs.module';

@Module({})
export class AppModule {
  static forRoot(config: GatewayConfig, logger: Logger): DynamicModule {
    return {
      module: AppModule,
      imports: [
        PlatformModule.forRoot(config, logger),
        AuthModule,
        HealthModule,
        ImagesModule,
        RunsModule,
        DeadLettersModule,
        PartsModule,
        ModelsModule,
        PipelinesModule,
        ReplaysModule,
        LiveModule,
        OperationsModule,
      ],
    };
  }
}
