import { Module } from '@nestjs/common';
import { PartsModule } from '../parts/parts.module';
import { BindingsController } from './controllers/bindings.controller';
import { PipelinesController } from './controllers/pipelines.controller';
import { pipelinesRepositoryProvider } from './repositories/pipelines.repository';
import { PipelineEventsPublisher } from './services/pipeline-events.publisher';
import { PipelinesService } from './services/pipelines.service';

@Module({
  imports: [PartsModule],
  controllers: [PipelinesController, BindingsController],
  providers: [pipelinesRepositoryProvider, PipelineEventsPublisher, PipelinesService],
})
export class PipelinesModule {}
