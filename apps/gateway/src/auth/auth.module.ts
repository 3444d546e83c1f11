import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ApiKeysController } from './controllers/api-keys.controller';
import { ApiKeyGuard } from './guards/api-key.guard';
import { apiKeysRepositoryProvider } from './repositories/api-keys.repository';
import { AdminKeyBootstrap } from './services/admin-key-bootstrap.service';
import { ApiKeysService } from './services/api-keys.service';

@Module({
  controllers: [ApiKeysController],
  providers: [
    apiKeysRepositoryProvider,
    ApiKeysService,
    AdminKeyBootstrap,
    { provide: APP_GUARD, useClass: ApiKeyGuard },
  ],
  exports: [ApiKeysService],
})
export class AuthModule {}
