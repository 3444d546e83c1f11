import { Module } from '@nestjs/common';
import { RunsController } from './controllers/runs.controller';
import { runsRepositoryProvider } from './repositories/runs.repository';
import { RunsService } from './services/runs.service';

@Module({ controllers: [RunsController], providers: [runsRepositoryProvider, RunsService] })
export class RunsModule {}
