import { Module } from '@nestjs/common';
import { pipelinesRepositoryProvider } from '../pipelines/repositories/pipelines.repository';
import { ReplaysController } from './controllers/replays.controller';
import { ReplaysRepository } from './repositories/replays.repository';
import { ReplayEventsPublisher } from './services/replay-events.publisher';
import { ReplaysService } from './services/replays.service';

@Module({
  controllers: [ReplaysController],
  providers: [pipelinesRepositoryProvider, ReplaysRepository, ReplayEventsPublisher, ReplaysService],
})
export class ReplaysModule {}
