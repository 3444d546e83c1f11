// The gateway's configuration: one zod schema, read once at start-up (CONTRIBUTING.md, Configuration).
import { join } from 'node:path';
import { env, loadConfig, stackConfigShape, z } from '@imageflow/config';
import { BUCKETS, TOPICS } from '@imageflow/contracts';

const MiB = 1024 * 1024;
// apps/gateway/src/config → repository root, from the sources and from dist/apps/gateway/apps/gateway/src/config.
const repoRoot = (): string => {
  const parts = __dirname.split(/[\\/]/);
  const dist = parts.lastIndexOf('dist');
  return dist >= 0 ? parts.slice(0, dist).join('/') || '/' : join(__dirname, '..', '..', '..', '..');
};

export const gatewayConfigSchema = z.object({
  ...stackConfigShape,
  HTTP_HOST: z.string().min(1).default('127.0.0.1'),
  HTTP_PORT: env.port(8080),
  S3_PATH_STYLE: env.bool(true),
  /** Largest accepted image, in bytes; larger uploads get 413 before anything is stored. */
  INGEST_MAX_BYTES: env.positiveInt(25 * MiB),
  /** Largest accepted image, in pixels (width × height); guards against decompression bombs. */
  INGEST_MAX_PIXELS: env.positiveInt(50_000_000),
  /** Formats accepted at ingest (sharp's names). */
  INGEST_FORMATS: env.list('jpeg,png,webp,tiff'),
  /** Ingest requests per API key and window. */
  INGEST_RATE_LIMIT: env.positiveInt(600),
  INGEST_RATE_WINDOW_MS: env.positiveInt(60_000),
  /** How long an unpublished ingest claim blocks other senders of the same bytes before they may take it over. */
  INGEST_CLAIM_LEASE_MS: env.positiveInt(30_000),
  /** Concurrent sharp validations; each can hold a decoded image in memory. */
  INGEST_VALIDATE_CONCURRENCY: env.positiveInt(4),
  IMAGES_TOPIC: z.string().min(1).default(TOPICS.images),
  RAW_IMAGES_BUCKET: z.string().min(3).default(BUCKETS.rawImages),
  /** Where pipeline versions, activations and bindings are published (tests use unique names). */
  PIPELINES_TOPIC: z.string().min(1).default(TOPICS.pipelines),
  /** Where replay requests and cancellations are published (the orchestrator's run-events topic). */
  RUN_EVENTS_TOPIC: z.string().min(1).default(TOPICS.runEvents),
  /** Live run updates (WebSocket /api/v1/live): bytes queued for one client before it is dropped (close 1013). */
  LIVE_MAX_BUFFERED_BYTES: env.positiveInt(MiB),
  /** Subscriptions (run or pipeline ids) one live client may hold at once. */
  LIVE_MAX_SUBSCRIPTIONS: env.positiveInt(200),
  /** Prefix of each gateway instance's own consumer group on RUN_EVENTS_TOPIC (a unique suffix is added). */
  LIVE_GROUP_PREFIX: z.string().min(1).default('imageflow-gateway-live'),
  /** Prometheus HTTP API the operations view (GET /api/v1/pipelines/:id/operations) queries. */
  PROMETHEUS_URL: env.url('http://127.0.0.1:9090'),
  /** Time limit of one Prometheus query. */
  PROMETHEUS_TIMEOUT_MS: env.positiveInt(3_000),
  /** The stage workers' topic per stage kind ({kind} is replaced); its consumer lag is the node's lag. */
  STAGE_TOPIC_TEMPLATE: z
    .string()
    .regex(/\{kind\}/, 'must contain {kind}')
    .default('imageflow.stage.{kind}.v1'),
  /** Longest capture window (`to - from`) one replay may cover, ms (default 31 days). */
  REPLAY_MAX_WINDOW_MS: env.positiveInt(31 * 24 * 3_600_000),
  /** Lifetime of the presigned URLs in run outputs, seconds. */
  PRESIGNED_URL_TTL_S: env.positiveInt(900),
  ADMIN_KEY_FILE: z
    .string()
    .min(1)
    .default(join(repoRoot(), '.imageflow', 'admin-key')),
  /** Create an admin key into ADMIN_KEY_FILE on start when the file is missing (local runs). */
  ADMIN_KEY_BOOTSTRAP: env.bool(true),
  /** Apply database migrations on start-up. */
  DATABASE_MIGRATE: env.bool(true),
  /** Create the buckets and the images topic on start-up when missing. */
  ENSURE_INFRASTRUCTURE: env.bool(true),
  READY_TIMEOUT_MS: env.positiveInt(2_000),
  /** Every compute service (gRPC host:port) whose Describe makes up the parts catalog. */
  COMPUTE_ADDRESSES: env
    .list('127.0.0.1:50051,127.0.0.1:50052')
    .pipe(z.array(z.string().regex(/^[^\s:]+:\d{1,5}$/, 'must be a comma list of host:port')).min(1)),
  /** Deadline of one Describe call; a slower service counts as failed in `sources`. */
  COMPUTE_DESCRIBE_DEADLINE_MS: env.positiveInt(3_000),
  /** gRPC message limit of the Describe client, both directions. */
  COMPUTE_MAX_MESSAGE_BYTES: env.positiveInt(4 * MiB),
  /** How long an aggregated catalog is served before the compute services are asked again. */
  PARTS_CACHE_TTL_MS: env.positiveInt(10_000),
  /** Where models are published (the bucket compute-ai reads). */
  MODELS_BUCKET: z.string().min(3).default(BUCKETS.models),
  /** Largest file of a model upload, bytes. */
  MODEL_UPLOAD_MAX_FILE_BYTES: env.positiveInt(256 * MiB),
  /** Files of one model upload at most, besides the manifest. */
  MODEL_UPLOAD_MAX_FILES: env.positiveInt(8),
  KAFKA_CLIENT_ID: z.string().min(1).default('imageflow-gateway'),
  /**
   * The built web UI (nx run web:build) served at `/` in single-machine mode; nothing is served when the
   * directory has no index.html (e.g. in a Kubernetes deployment that serves the UI elsewhere).
   */
  WEB_DIST_DIR: z.string().min(1).default('dist/apps/web'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type GatewayConfig = z.infer<typeof gatewayConfigSchema>;

export const GATEWAY_CONFIG = Symbol('GATEWAY_CONFIG');

export function loadGatewayConfig(source: NodeJS.ProcessEnv = process.env): GatewayConfig {
  return loadConfig('gateway', gatewayConfigSchema, source);
}
