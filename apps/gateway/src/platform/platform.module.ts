// Creates every I/O adapter the gateway uses (object store, Postgres pool, Kafka, schema registry) exactly once,
// from the typed configuration, and owns their start-up and shutdown.
import { Global, Module, type DynamicModule } from '@nestjs/common';
import { createKafka, EventProducer, EventSerde, type Kafka } from '@imageflow/messaging';
import { createLogger, createMetricsRegistry, type Logger, type Registry } from '@imageflow/observability';
import { createPool } from '@imageflow/persistence';
import { ObjectStore, objectStoreConfigFromEnv } from '@imageflow/storage';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway.config';
import { PlatformLifecycle } from './platform-lifecycle.service';
import { TracingLifecycle } from './tracing-lifecycle.service';
import {
  DB_POOL,
  EVENT_PRODUCER,
  EVENT_SERDE,
  KAFKA,
  LOGGER,
  METRICS_REGISTRY,
  OBJECT_STORE,
} from './platform.tokens';

@Global()
@Module({})
export class PlatformModule {
  static forRoot(
    config: GatewayConfig,
    logger: Logger = createLogger('gateway', config.LOG_LEVEL),
  ): DynamicModule {
    return {
      module: PlatformModule,
      providers: [
        { provide: GATEWAY_CONFIG, useValue: config },
        { provide: LOGGER, useValue: logger },
        { provide: METRICS_REGISTRY, useFactory: (): Registry => createMetricsRegistry('gateway') },
        { provide: OBJECT_STORE, useFactory: () => new ObjectStore(objectStoreConfigFromEnv(config)) },
        {
          provide: DB_POOL,
          useFactory: () =>
            createPool({ databaseUrl: config.DATABASE_URL, applicationName: 'imageflow-gateway' }),
        },
        {
          provide: KAFKA,
          useFactory: (): Kafka =>
            createKafka({ brokers: config.KAFKA_BROKERS, clientId: config.KAFKA_CLIENT_ID, logger }),
        },
        {
          provide: EVENT_SERDE,
          useFactory: () =>
            new EventSerde({ registryUrl: config.SCHEMA_REGISTRY_URL, clientId: config.KAFKA_CLIENT_ID }),
        },
        {
          provide: EVENT_PRODUCER,
          inject: [KAFKA, EVENT_SERDE, METRICS_REGISTRY],
          useFactory: (kafka: Kafka, serde: EventSerde, metrics: Registry) =>
            new EventProducer(kafka, serde, { logger, metrics }),
        },
        PlatformLifecycle,
        TracingLifecycle,
      ],
      exports: [
        GATEWAY_CONFIG,
        LOGGER,
        METRICS_REGISTRY,
        OBJECT_STORE,
        DB_POOL,
        KAFKA,
        EVENT_SERDE,
        EVENT_PRODUCER,
        PlatformLifecycle,
      ],
    };
  }
}
