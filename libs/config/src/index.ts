import { z } from 'zod';

export { z };

export class ConfigError extends Error {
  constructor(
    readonly service: string,
    readonly problems: string[],
  ) {
    super(`${service}: invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Reads an app's configuration once, at start-up, from environment variables.
 * The schema's keys are the variable names; every problem is reported at once, naming the variable.
 */
export function loadConfig<S extends z.ZodObject>(
  service: string,
  schema: S,
  env: NodeJS.ProcessEnv = process.env,
): z.infer<S> {
  const input: Record<string, string | undefined> = {};
  for (const key of Object.keys(schema.shape)) {
    const value = env[key];
    input[key] = value === '' ? undefined : value;
  }
  const result = schema.safeParse(input);
  if (!result.success) {
    throw new ConfigError(
      service,
      result.error.issues.map((issue) => {
        const name = issue.path.join('.') || '(config)';
        const shown = typeof input[name] === 'string' ? ` (got "${input[name]}")` : ' (not set)';
        return `${name}: ${issue.message}${shown}`;
      }),
    );
  }
  return result.data;
}

/** Common variable shapes. */
export const env = {
  /** A TCP port; 0 asks the OS for a free one (tests). */
  port: (fallback: number) => z.coerce.number().int().min(0).max(65_535).default(fallback),
  positiveInt: (fallback: number) => z.coerce.number().int().positive().default(fallback),
  url: (fallback: string) => z.url().default(fallback),
  list: (fallback: string) =>
    z
      .string()
      .default(fallback)
      .transform((s) =>
        s
          .split(',')
          .map((part) => part.trim())
          .filter(Boolean),
      ),
  bool: (fallback: boolean) =>
    z
      .enum(['true', 'false', '1', '0', 'yes', 'no'])
      .default(fallback ? 'true' : 'false')
      .transform((v) => v === 'true' || v === '1' || v === 'yes'),
};

/** The local stack's connection settings, shared by every backend app (defaults: ARCHITECTURE.md). */
export const stackConfigShape = {
  KAFKA_BROKERS: env.list('127.0.0.1:9092'),
  SCHEMA_REGISTRY_URL: env.url('http://127.0.0.1:8081/apis/ccompat/v7'),
  S3_ENDPOINT: env.url('http://127.0.0.1:9000'),
  S3_REGION: z.string().min(1).default('us-east-1'),
  S3_ACCESS_KEY: z.string().min(1).default('imageflow'),
  S3_SECRET_KEY: z.string().min(1).default('imageflow-local-secret'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
    .default('postgres://imageflow:imageflow@127.0.0.1:5432/imageflow'),
};
