import { createLogger } from '@imageflow/observability';
import { loadStageWorkerConfig } from './config';
import { startWorker } from './worker';

async function main(): Promise<void> {
  const config = loadStageWorkerConfig();
  const logger = createLogger(`stage-worker-${config.STAGE_KIND}`);
  const worker = await startWorker(config, logger);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping: finishing in-flight work items');
    worker.stop().then(
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
