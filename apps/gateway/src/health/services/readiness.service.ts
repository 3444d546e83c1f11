import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import type { Kafka } from '@imageflow/messaging';
import type { Pool } from '@imageflow/persistence';
import type { ObjectStore } from '@imageflow/storage';
import type { Admin } from 'kafkajs';
import { GATEWAY_CONFIG, type GatewayConfig } from '../../config/gateway.config';
import { PlatformLifecycle } from '../../platform/platform-lifecycle.service';
import { DB_POOL, KAFKA, OBJECT_STORE } from '../../platform/platform.tokens';

export interface DependencyCheck {
  ok: boolean;
  latencyMs: number;
  error?: string;
}

export type DependencyName = 'kafka' | 'postgres' | 's3' | 'schemaRegistry';

export interface Readiness {
  status: 'ready' | 'not ready';
  checks: Record<DependencyName, DependencyCheck>;
}

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** Probes every dependency the gateway needs to accept an image, in parallel, each within READY_TIMEOUT_MS. */
@Injectable()
export class ReadinessService implements OnApplicationShutdown {
  private admin: Promise<Admin> | undefined;

  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(OBJECT_STORE) private readonly store: ObjectStore,
    @Inject(DB_POOL) private readonly pool: Pool,
    @Inject(KAFKA) private readonly kafka: Kafka,
    private readonly lifecycle: PlatformLifecycle,
  ) {}

  async check(): Promise<Readiness> {
    const [kafka, postgres, s3, schemaRegistry] = await Promise.all([
      this.timed(() => this.checkKafka()),
      this.timed(async () => void (await this.pool.query('SELECT 1'))),
      this.timed(() => this.store.ping(this.config.RAW_IMAGES_BUCKET)),
      this.timed(() => this.checkRegistry()),
    ]);
    const checks = { kafka, postgres, s3, schemaRegistry };
    const ok = !this.lifecycle.isShuttingDown && Object.values(checks).every((c) => c.ok);
    return { status: ok ? 'ready' : 'not ready', checks };
  }

  async onApplicationShutdown(): Promise<void> {
    const admin = this.admin;
    this.admin = undefined;
    if (admin) await (await admin.catch(() => undefined))?.disconnect();
  }

  private async timed(probe: () => Promise<void>): Promise<DependencyCheck> {
    const started = performance.now();
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        probe(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`no answer within ${this.config.READY_TIMEOUT_MS} ms`)),
            this.config.READY_TIMEOUT_MS,
          );
        }),
      ]);
      return { ok: true, latencyMs: Math.round(performance.now() - started) };
    } catch (error) {
      return { ok: false, latencyMs: Math.round(performance.now() - started), error: messageOf(error) };
    } finally {
      clearTimeout(timer);
    }
  }

  /** One admin connection, reused; dropped after a failure so the next probe reconnects. */
  private async checkKafka(): Promise<void> {
    if (!this.admin) {
      const admin = this.kafka.admin({ retry: { retries: 0 } });
      this.admin = admin.connect().then(() => admin);
    }
    const pending = this.admin;
    try {
      const admin = await pending;
      const cluster = await admin.describeCluster();
      if (cluster.brokers.length === 0) throw new Error('the cluster reports no brokers');
    } catch (error) {
      if (this.admin === pending) this.admin = undefined;
      void pending.then((admin) => admin.disconnect()).catch(() => undefined);
      throw error;
    }
  }

  private async checkRegistry(): Promise<void> {
    const url = `${this.config.SCHEMA_REGISTRY_URL.replace(/\/+$/, '')}/subjects`;
    const response = await fetch(url, { signal: AbortSignal.timeout(this.config.READY_TIMEOUT_MS) });
    await response.body?.cancel();
    if (!response.ok) throw new Error(`GET ${url} answered ${response.status}`);
  }
}
