import { env, loadConfig, stackConfigShape, z } from '@imageflow/config';
import { TOPICS } from '@imageflow/contracts';

const topicName = (fallback: string) =>
  z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,249}$/, 'must be a Kafka topic name (letters, digits, . _ -)')
    .default(fallback);

export const projectorConfigSchema = z.object({
  ...stackConfigShape,
  /** Kafka consumer group of the live projector. */
  PROJECTOR_GROUP_ID: z.string().min(1).default('imageflow-projector'),
  /** Name the Postgres checkpoints are kept under; stays the same when the Kafka group changes. */
  PROJECTOR_NAME: z.string().min(1).default('projector'),
  PROJECTOR_RUN_EVENTS_TOPIC: topicName(TOPICS.runEvents),
  PROJECTOR_IMAGES_TOPIC: topicName(TOPICS.images),
  /** Pipeline configuration: versions, activations, bindings. */
  PROJECTOR_PIPELINES_TOPIC: topicName(TOPICS.pipelines),
  PROJECTOR_DLQ_TOPIC: topicName(TOPICS.deadLetters),
  /** Partitions to create a consumed topic with when it does not exist yet. */
  PROJECTOR_TOPIC_PARTITIONS: env.positiveInt(3),
  DB_POOL_MAX: env.positiveInt(5),
  METRICS_PORT: env.port(9464),
  /** How often the pipeline lag gauges (imageflow_pipeline_lag_*) are recomputed from the read models. */
  PIPELINE_LAG_INTERVAL_MS: env.positiveInt(5_000),
  /** How long `rebuild` may take before it gives up (it reports how far it got). */
  REBUILD_TIMEOUT_MS: env.positiveInt(30 * 60_000),
  /** How long SIGTERM waits for the batch in hand before exiting anyway. */
  SHUTDOWN_TIMEOUT_MS: env.positiveInt(20_000),
});

export type ProjectorConfig = z.infer<typeof projectorConfigSchema>;

export const loadProjectorConfig = (source: NodeJS.ProcessEnv = process.env): ProjectorConfig =>
  loadConfig('projector', projectorConfigSchema, source);
