import {
  Inject,
  Injectable,
  type BeforeApplicationShutdown,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { BUCKETS } from '@imageflow/contracts';
import { ensureTopics, type EventProducer, type EventSerde, type Kafka } from '@imageflow/messaging';
import type { Logger } from '@imageflow/observability';
import { migrate, type Pool } from '@imageflow/persistence';
import type { ObjectStore } from '@imageflow/storage';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway.config';
import { DB_POOL, EVENT_PRODUCER, EVENT_SERDE, KAFKA, LOGGER, OBJECT_STORE } from './platform.tokens';

/**
 * Start-up: migrations, buckets, the images topic and the ImageCaptured schema, so the first request finds them.
 * Shutdown: runs after the HTTP server has stopped taking requests and finished the ones in flight
 * (Nest closes the server before `onApplicationShutdown`), then flushes the producer and closes the pool.
 */
@Injectable()
export class PlatformLifecycle implements OnModuleInit, BeforeApplicationShutdown, OnApplicationShutdown {
  private shuttingDown = false;

  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(OBJECT_STORE) private readonly store: ObjectStore,
    @Inject(DB_POOL) private readonly pool: Pool,
    @Inject(KAFKA) private readonly kafka: Kafka,
    @Inject(EVENT_SERDE) private readonly serde: EventSerde,
    @Inject(EVENT_PRODUCER) private readonly producer: EventProducer,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  get isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  async onModuleInit(): Promise<void> {
    if (this.config.DATABASE_MIGRATE) {
      const applied = await migrate(this.config.DATABASE_URL, {
        log: (message) => this.logger.debug({ message }, 'migration'),
      });
      if (applied.length) this.logger.info({ applied }, 'database migrations applied');
    }
    if (this.config.ENSURE_INFRASTRUCTURE) {
      await this.store.ensureBuckets([
        ...new Set([...Object.values(BUCKETS), this.config.RAW_IMAGES_BUCKET, this.config.MODELS_BUCKET]),
      ]);
      await ensureTopics(this.kafka, [
        { topic: this.config.IMAGES_TOPIC },
        { topic: this.config.PIPELINES_TOPIC },
      ]);
    }
    const schemaId = await this.serde.schemaIdOf('ImageCaptured');
    await this.producer.connect();
    this.logger.info(
      { imageCapturedSchemaId: schemaId, topic: this.config.IMAGES_TOPIC },
      'gateway dependencies ready',
    );
  }

  beforeApplicationShutdown(signal?: string): void {
    // /readyz answers 503 from here on, so a load balancer stops sending new requests.
    this.shuttingDown = true;
    // Keep-alive sockets of requests still in flight would otherwise linger for the full keep-alive timeout
    // after their response before the server may close; let them go right after it.
    const server = this.adapterHost.httpAdapter?.getHttpServer() as { keepAliveTimeout?: number } | undefined;
    if (server) server.keepAliveTimeout = 1;
    this.logger.info({ signal }, 'gateway shutting down');
  }

  async onApplicationShutdown(): Promise<void> {
    await this.producer
      .disconnect()
      .catch((error: unknown) => this.logger.warn({ err: error }, 'producer disconnect failed'));
    await this.pool.end().catch((error: unknown) => this.logger.warn({ err: error }, 'pool close failed'));
  }
}
