import { availableParallelism } from 'node:os';
import { env, loadConfig, z } from '@imageflow/config';

/** A port, where 0 asks the OS for a free one (tests). */
const portOrEphemeral = (fallback: number) => z.coerce.number().int().min(0).max(65_535).default(fallback);

export const computeImageConfigShape = {
  COMPUTE_IMAGE_HOST: z.string().min(1).default('127.0.0.1'),
  COMPUTE_IMAGE_PORT: portOrEphemeral(50051),
  /** HTTP /metrics and /healthz. */
  COMPUTE_IMAGE_METRICS_PORT: portOrEphemeral(9461),
  /**
   * gRPC message limit, both directions. Above the largest accepted image (COMPUTE_IMAGE_MAX_INPUT_MB) plus
   * its outputs, so an oversized image gets a readable IMAGE_TOO_LARGE from the service rather than a bare
   * transport error; below what lets one request exhaust memory.
   */
  COMPUTE_IMAGE_MAX_MESSAGE_MB: env.positiveInt(64),
  COMPUTE_IMAGE_MAX_INPUT_MB: env.positiveInt(50),
  /** Decoded-size limit (decompression bombs): 8192 × 8192 by default. */
  COMPUTE_IMAGE_MAX_INPUT_PIXELS: env.positiveInt(8192 * 8192),
  /** Apply calls computing at once; more wait in a queue. Each holds its decoded pixels in memory. */
  COMPUTE_IMAGE_MAX_CONCURRENT: env.positiveInt(Math.max(1, availableParallelism())),
  /** Apply calls waiting beyond that; more are refused with RESOURCE_EXHAUSTED so callers back off. */
  COMPUTE_IMAGE_MAX_QUEUED: z.coerce.number().int().min(0).default(64),
  /** libvips threads per operation (0 = one per core) and operation cache (MB, 0 = off). */
  COMPUTE_IMAGE_VIPS_CONCURRENCY: z.coerce.number().int().min(0).default(0),
  COMPUTE_IMAGE_VIPS_CACHE_MB: z.coerce.number().int().min(0).default(0),
  /** How long SIGTERM waits for in-flight calls before cancelling them. */
  COMPUTE_IMAGE_SHUTDOWN_GRACE_MS: env.positiveInt(10_000),
};

export const computeImageConfigSchema = z.object(computeImageConfigShape);
export type ComputeImageConfig = z.infer<typeof computeImageConfigSchema>;

export const loadComputeImageConfig = (source: NodeJS.ProcessEnv = process.env): ComputeImageConfig =>
  loadConfig('compute-image', computeImageConfigSchema, source);
