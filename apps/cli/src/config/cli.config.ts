// Where the CLI finds the gateway and its key: flags first, then environment variables, then the admin key file
// a local gateway writes (apps/gateway/README.md). Read once per invocation.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadConfig, z } from '@imageflow/config';

export const cliConfigSchema = z.object({
  IMAGEFLOW_GATEWAY: z.url().default('http://127.0.0.1:8080'),
  IMAGEFLOW_API_KEY: z.string().trim().min(1).optional(),
  /** The admin key a local gateway writes on its first start. */
  IMAGEFLOW_ADMIN_KEY_FILE: z.string().min(1).optional(),
});

export type CliEnv = z.infer<typeof cliConfigSchema>;

export interface ConnectionOptions {
  gateway?: string;
  key?: string;
}

export interface Connection {
  gatewayUrl: string;
  apiKey: string | null;
  /** Where the key came from, for error messages. */
  keySource: 'flag' | 'env' | 'file' | 'none';
}

/** `.imageflow/admin-key` in the working directory or the nearest parent that has one (a repository checkout). */
export function findAdminKeyFile(from: string): string | null {
  let dir = resolve(from);
  for (;;) {
    const candidate = join(dir, '.imageflow', 'admin-key');
    if (existsSync(candidate)) return candidate;
    const parent = resolve(dir, '..');
    if (parent === dir) return null;
    dir = parent;
  }
}

export function resolveConnection(
  flags: ConnectionOptions,
  source: NodeJS.ProcessEnv = process.env,
  cwd: string = process.cwd(),
): Connection {
  const env = loadConfig('imageflow', cliConfigSchema, source);
  const gatewayUrl = (flags.gateway ?? env.IMAGEFLOW_GATEWAY).replace(/\/+$/, '');
  try {
    new URL(gatewayUrl);
  } catch {
    throw new UsageError(`--gateway must be a URL such as http://127.0.0.1:8080 (got "${gatewayUrl}")`);
  }
  if (flags.key) return { gatewayUrl, apiKey: flags.key.trim(), keySource: 'flag' };
  if (env.IMAGEFLOW_API_KEY) return { gatewayUrl, apiKey: env.IMAGEFLOW_API_KEY, keySource: 'env' };
  const file = env.IMAGEFLOW_ADMIN_KEY_FILE ?? findAdminKeyFile(cwd);
  if (file && existsSync(file)) {
    const key = readFileSync(file, 'utf8').trim();
    if (key) return { gatewayUrl, apiKey: key, keySource: 'file' };
  }
  return { gatewayUrl, apiKey: null, keySource: 'none' };
}

/** A mistake in the command line; exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}
