import { Module } from '@nestjs/common';
import { ModelsController } from './controllers/models.controller';
import { ModelRegistryRepository } from './repositories/model-registry.repository';
import { ModelsService } from './services/models.service';

@Module({ controllers: [ModelsController], providers: [ModelRegistryRepository, ModelsService] })
export class ModelsModule {}
