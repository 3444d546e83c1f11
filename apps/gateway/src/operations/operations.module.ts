import { Module } from '@nestjs/common';
import { PipelinesRepository, type Pool } from '@imageflow/persistence';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway.config';
import { DB_POOL } from '../platform/platform.tokens';
import { PrometheusClient } from './adapters/prometheus.adapter';
import { OperationsController } from './controllers/operations.controller';
import { OperationsService, PROMETHEUS_CLIENT } from './services/operations.service';

@Module({
  controllers: [OperationsController],
  providers: [
    OperationsService,
    {
      provide: PROMETHEUS_CLIENT,
      inject: [GATEWAY_CONFIG],
      useFactory: (config: GatewayConfig) =>
        new PrometheusClient(config.PROMETHEUS_URL, config.PROMETHEUS_TIMEOUT_MS),
    },
    {
      provide: PipelinesRepository,
      inject: [DB_POOL],
      useFactory: (pool: Pool) => new PipelinesRepository(pool),
    },
  ],
})
export class OperationsModule {}
