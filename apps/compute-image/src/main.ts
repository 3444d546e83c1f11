import { ConfigError } from '@imageflow/config';
import { createLogger, createMetricsRegistry, startTracing } from '@imageflow/observability';
import { loadComputeImageConfig } from './compute-image.config';
import { startComputeImage } from './compute-image.server';

const logger = createLogger('compute-image');

async function main(): Promise<void> {
  // First, so the context manager and the tracer provider are in place before anything creates a span.
  const tracing = startTracing('compute-image');
  logger.info(
    { tracing: tracing.enabled ? tracing.tracesUrl : `off (${tracing.disabledReason})` },
    'tracing',
  );
  const config = loadComputeImageConfig();
  const running = await startComputeImage(config, {
    logger,
    registry: createMetricsRegistry('compute-image'),
  });
  const stop = (signal: NodeJS.Signals) => {
    logger.info({ signal }, 'signal received');
    running
      .shutdown()
      .then(() => tracing.shutdown())
      .then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error({ err: error }, 'shutdown failed');
          process.exit(1);
        },
      );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) console.error(error.message);
  else logger.fatal({ err: error }, 'compute-image failed to start');
  process.exit(1);
});
