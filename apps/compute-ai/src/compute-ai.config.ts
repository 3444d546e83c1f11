import { env, loadConfig, stackConfigShape, z } from '@imageflow/config';

/** A port, where 0 asks the OS for a free one (tests). */
const portOrEphemeral = (fallback: number) => z.coerce.number().int().min(0).max(65_535).default(fallback);
const modelId = (fallback: string) =>
  z
    .string()
    .regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'must be a model id (lowercase letters, digits, ".", "_", "-")')
    .default(fallback);

export const computeAiConfigShape = {
  COMPUTE_AI_HOST: z.string().min(1).default('127.0.0.1'),
  COMPUTE_AI_PORT: portOrEphemeral(50052),
  /** HTTP /metrics, /healthz and /readyz. */
  COMPUTE_AI_METRICS_PORT: portOrEphemeral(9462),
  /** gRPC message limit, both directions: above the largest accepted image, below what lets one call exhaust memory. */
  COMPUTE_AI_MAX_MESSAGE_MB: env.positiveInt(64),
  /** Decoded-size limit (decompression bombs): 8192 x 8192 by default. */
  COMPUTE_AI_MAX_INPUT_PIXELS: env.positiveInt(8192 * 8192),
  /** Apply calls accepted at once (they queue in the batchers); more are refused with RESOURCE_EXHAUSTED. */
  COMPUTE_AI_MAX_IN_FLIGHT: env.positiveInt(64),

  // The models bucket (read-only) on the stack's object store.
  S3_ENDPOINT: stackConfigShape.S3_ENDPOINT,
  S3_REGION: stackConfigShape.S3_REGION,
  S3_ACCESS_KEY: stackConfigShape.S3_ACCESS_KEY,
  S3_SECRET_KEY: stackConfigShape.S3_SECRET_KEY,
  MODELS_BUCKET: z.string().min(3).default('models'),
  /** How often a model's LATEST pointer is re-read: a newly published version is served within this. */
  COMPUTE_AI_MODEL_REFRESH_MS: env.positiveInt(2_000),
  /** Model sessions kept in memory (least recently used released beyond). */
  COMPUTE_AI_MAX_LOADED_MODELS: env.positiveInt(8),

  // Dynamic batching, per model and input shape.
  COMPUTE_AI_BATCH_MAX_SIZE: env.positiveInt(8),
  COMPUTE_AI_BATCH_MAX_DELAY_MS: z.coerce.number().int().min(0).default(5),
  COMPUTE_AI_BATCH_CONCURRENCY: env.positiveInt(1),

  // onnxruntime session options.
  COMPUTE_AI_INTRA_OP_THREADS: env.positiveInt(2),
  COMPUTE_AI_INTER_OP_THREADS: env.positiveInt(1),
  /** Execution providers in order of preference; the bundled CPU build has "cpu" only. */
  COMPUTE_AI_EXECUTION_PROVIDERS: env.list('cpu'),

  // Models a part uses when its parameters name none.
  COMPUTE_AI_DETECTION_MODEL: modelId('nanodet-m-coco'),
  COMPUTE_AI_CLASSIFICATION_MODEL: modelId('ppocr-mobile-v2-cls'),
  COMPUTE_AI_TEXT_DETECTION_MODEL: modelId('ppocr-v4-det'),
  COMPUTE_AI_TEXT_RECOGNITION_MODEL: modelId('ppocr-v4-rec'),
  COMPUTE_AI_TEXT_ORIENTATION_MODEL: modelId('ppocr-mobile-v2-cls'),

  /** How long SIGTERM waits for in-flight calls before cancelling them. */
  COMPUTE_AI_SHUTDOWN_GRACE_MS: env.positiveInt(10_000),
};

export const computeAiConfigSchema = z.object(computeAiConfigShape);
export type ComputeAiConfig = z.infer<typeof computeAiConfigSchema>;

export const loadComputeAiConfig = (source: NodeJS.ProcessEnv = process.env): ComputeAiConfig =>
  loadConfig('compute-ai', computeAiConfigSchema, source);
