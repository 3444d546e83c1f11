import { env, loadConfig, stackConfigShape, z } from '@imageflow/config';
import { TOPICS } from '@imageflow/contracts';

export const orchestratorConfigSchema = z.object({
  ...stackConfigShape,
  /** Prefix of the consumer groups: `<id>.images`, `<id>.runs`; the config reader uses a throw-away group. */
  ORCHESTRATOR_GROUP_ID: z.string().min(1).default('imageflow.orchestrator'),
  IMAGES_TOPIC: z.string().min(1).default(TOPICS.images),
  RUN_EVENTS_TOPIC: z.string().min(1).default(TOPICS.runEvents),
  /** Versions, activations (key pipeline id) and bindings (key `camera:<id>` / `line:<id>`). */
  PIPELINES_TOPIC: z.string().min(1).default(TOPICS.pipelines),
  DLQ_TOPIC: z.string().min(1).default(TOPICS.deadLetters),
  /** Work-item topic per stage kind; `{kind}` is replaced (tests point it at their own topics). */
  STAGE_TOPIC_TEMPLATE: z
    .string()
    .regex(/\{kind\}/, 'must contain {kind}')
    .default('imageflow.stage.{kind}.v1'),
  /** Partitions created for topics that do not exist yet. */
  TOPIC_PARTITIONS: env.positiveInt(6),
  /** Partitions of the run-events log handled at once (each in order). */
  RUN_PARTITIONS_CONCURRENTLY: env.positiveInt(3),
  /** How long a capture waits for the configuration reader to catch up before it is retried. */
  CONFIG_SYNC_TIMEOUT_MS: env.positiveInt(15_000),
  METRICS_HOST: z.string().default('127.0.0.1'),
  METRICS_PORT: env.port(9467),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type OrchestratorConfig = z.infer<typeof orchestratorConfigSchema>;

export function loadOrchestratorConfig(source: NodeJS.ProcessEnv = process.env): OrchestratorConfig {
  return loadConfig('orchestrator', orchestratorConfigSchema, source);
}

export const stageTopicFor = (template: string, kind: string): string => {
  if (!/^[a-z][a-z0-9-]{0,39}$/.test(kind)) throw new Error(`invalid stage kind "${kind}"`);
  return template.replaceAll('{kind}', kind);
};
