import { ConfigError } from '@imageflow/config';
import { createLogger, createMetricsRegistry, startTracing } from '@imageflow/observability';
import type { Server } from 'node:http';
import { startHttpServer } from './http.server';
import { loadProjectorConfig, type ProjectorConfig } from './projector.config';
import { Projector } from './projector.service';

const USAGE =
  'usage: projector [live|rebuild]\n  live     fold the event log into Postgres continuously (default)\n  rebuild  empty the read models and rebuild them from the whole Kafka log, then exit';

async function main(argv: string[]): Promise<number> {
  const command = argv[0] ?? 'live';
  if (!['live', 'rebuild'].includes(command)) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  // First, so the context manager and the tracer provider are in place before anything creates a span.
  const tracing = startTracing('projector');
  const logger = createLogger('projector');
  logger.info(
    { tracing: tracing.enabled ? tracing.tracesUrl : `off (${tracing.disabledReason})` },
    'tracing',
  );
  let config: ProjectorConfig;
  try {
    config = loadProjectorConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      logger.fatal(error.message);
      return 2;
    }
    throw error;
  }
  const registry = createMetricsRegistry('projector');
  const projector = new Projector(config, logger.child({ command }), registry);

  if (command === 'rebuild') {
    try {
      await projector.rebuild();
      return 0;
    } catch (error) {
      logger.fatal({ err: error }, 'rebuild failed');
      return 1;
    } finally {
      await projector.stop().catch(() => undefined);
      await tracing.shutdown();
    }
  }

  let server: Server | undefined;
  let stopping: Promise<number> | undefined;
  const shutdown = (signal: string): Promise<number> => {
    stopping ??= (async () => {
      logger.info({ signal }, 'shutting down');
      const force = setTimeout(() => {
        logger.error({ timeoutMs: config.SHUTDOWN_TIMEOUT_MS }, 'shutdown took too long, exiting');
        process.exit(1);
      }, config.SHUTDOWN_TIMEOUT_MS);
      force.unref();
      await projector.stop().catch((error: unknown) => logger.error({ err: error }, 'error while stopping'));
      await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
      await tracing.shutdown();
      logger.info('stopped');
      return 0;
    })();
    return stopping;
  };
  const done = new Promise<number>((resolve) => {
    process.once('SIGTERM', () => void shutdown('SIGTERM').then(resolve));
    process.once('SIGINT', () => void shutdown('SIGINT').then(resolve));
  });
  try {
    server = await startHttpServer(config.METRICS_PORT, registry, {
      live: () => projector.isRunning(),
      ready: () => projector.databaseAnswers(),
    });
    logger.info({ port: config.METRICS_PORT }, 'metrics and health listening');
    await projector.start();
  } catch (error) {
    logger.fatal({ err: error }, 'projector failed to start');
    await shutdown('startup-failure');
    return 1;
  }
  return done;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`projector: ${String(error)}\n`);
    process.exit(1);
  },
);
