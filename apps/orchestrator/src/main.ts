import { createLogger, startTracing } from '@imageflow/observability';
import { loadOrchestratorConfig } from './config';
import { startOrchestrator } from './orchestrator';

async function main(): Promise<void> {
  // First, so the context manager and the tracer provider are in place before anything creates a span.
  const tracing = startTracing('orchestrator');
  const config = loadOrchestratorConfig();
  const logger = createLogger('orchestrator', config.LOG_LEVEL);
  logger.info(
    { tracing: tracing.enabled ? tracing.tracesUrl : `off (${tracing.disabledReason})` },
    'tracing',
  );
  const orchestrator = await startOrchestrator(config, logger);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping: finishing the batches in hand');
    orchestrator
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
