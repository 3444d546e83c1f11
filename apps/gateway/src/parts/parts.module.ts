import { Module } from '@nestjs/common';
import { PartsController } from './controllers/parts.controller';
import { PartsCatalogService } from './services/parts-catalog.service';

@Module({ controllers: [PartsController], providers: [PartsCatalogService], exports: [PartsCatalogService] })
export class PartsModule {}
