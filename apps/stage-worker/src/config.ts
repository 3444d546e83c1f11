import { hostname } from 'node:os';
import { env, loadConfig, stackConfigShape, z } from '@imageflow/config';

const DEFAULT_COMPUTE: Record<string, string> = { image: '127.0.0.1:50051', ai: '127.0.0.1:50052' };
const DEFAULT_METRICS_PORT: Record<string, number> = { image: 9471, ai: 9472 };

export const stageWorkerConfigSchema = z.object({
  ...stackConfigShape,
  /** Which stage this process serves: it consumes imageflow.stage.<STAGE_KIND>.v1. */
  STAGE_KIND: z.string().regex(/^[a-z][a-z0-9-]{0,39}$/, 'lowercase letters, digits and dashes'),
  /** host:port of the compute service; default by kind (image → 50051, ai → 50052). */
  COMPUTE_ADDRESS: z
    .string()
    .regex(/^[^\s:]+:\d+$/, 'host:port')
    .optional(),
  COMPUTE_DEADLINE_MS: env.positiveInt(30_000),
  COMPUTE_ATTEMPTS: env.positiveInt(4),
  COMPUTE_BACKOFF_MS: env.positiveInt(250),
  /** gRPC message size limit both ways; images up to the gateway's ingest limit plus headroom. */
  COMPUTE_MAX_MESSAGE_BYTES: env.positiveInt(64 * 1024 * 1024),
  /** Partitions of the stage topic handled at once (each in order). */
  WORKER_CONCURRENCY: env.positiveInt(2),
  WORKER_MAX_IN_FLIGHT: env.positiveInt(20),
  WORKER_ID: z.string().min(1).default(`${hostname()}-${process.pid}`),
  CONSUMER_GROUP: z.string().min(1).optional(),
  STAGE_TOPIC: z.string().min(1).optional(),
  RUN_EVENTS_TOPIC: z.string().min(1).default('imageflow.run-events.v1'),
  DLQ_TOPIC: z.string().min(1).default('imageflow.dlq.v1'),
  METRICS_HOST: z.string().default('127.0.0.1'),
  /** Default by kind: image 9471, ai 9472 (the Prometheus scrape config expects these), others 9470. */
  METRICS_PORT: z.coerce.number().int().min(0).max(65_535).optional(),
});

export type StageWorkerConfig = Omit<z.infer<typeof stageWorkerConfigSchema>, 'METRICS_PORT'> & {
  COMPUTE_ADDRESS: string;
  METRICS_PORT: number;
};

export function loadStageWorkerConfig(source: NodeJS.ProcessEnv = process.env): StageWorkerConfig {
  const config = loadConfig('stage-worker', stageWorkerConfigSchema, source);
  const address = config.COMPUTE_ADDRESS ?? DEFAULT_COMPUTE[config.STAGE_KIND];
  if (!address) {
    throw new Error(
      `stage-worker: COMPUTE_ADDRESS is required for stage kind "${config.STAGE_KIND}" (no default)`,
    );
  }
  const metricsPort = config.METRICS_PORT ?? DEFAULT_METRICS_PORT[config.STAGE_KIND] ?? 9470;
  return { ...config, COMPUTE_ADDRESS: address, METRICS_PORT: metricsPort };
}
