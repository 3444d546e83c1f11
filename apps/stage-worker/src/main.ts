import { createLogger, startTracing } from '@imageflow/observability';
import { loadStageWorkerConfig } from './config';
import { startWorker } from './worker';

async function main(): Promise<void> {
  const config = loadStageWorkerConfig();
  // Before anything creates a span; the service name needs the stage kind, hence after the config.
  const tracing = startTracing(`stage-worker-${config.STAGE_KIND}`);
  const logger = createLogger(`stage-worker-${config.STAGE_KIND}`);
  logger.info(
    { tracing: tracing.enabled ? tracing.tracesUrl : `off (${tracing.disabledReason})` },
    'tracing',
  );
  const worker = await startWorker(config, logger);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping: finishing in-flight work items');
    worker
      .stop()
      .then(() => tracing.shutdown())
      .then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error({ err: error }, 'unclean stop');
          process.exit(1);
        },
      );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
