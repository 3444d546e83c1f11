import { ConfigError } from '@imageflow/config';
import { createLogger, startTracing } from '@imageflow/observability';
import { createGatewayApp } from './app.factory';
import { loadGatewayConfig } from './config/gateway.config';

async function main(): Promise<void> {
  // First, so the context manager and the tracer provider are in place before anything creates a span.
  const tracing = startTracing('gateway');
  const config = loadGatewayConfig();
  const logger = createLogger('gateway', config.LOG_LEVEL);
  logger.info(
    { tracing: tracing.enabled ? tracing.tracesUrl : `off (${tracing.disabledReason})` },
    'tracing',
  );
  const { app } = await createGatewayApp(config, logger);
  await app.listen(config.HTTP_PORT, config.HTTP_HOST);
  logger.info(
    { url: `http://${config.HTTP_HOST}:${config.HTTP_PORT}`, openapi: '/api/openapi.json' },
    'gateway listening',
  );
}

main().catch((error: unknown) => {
  const logger = createLogger('gateway');
  if (error instanceof ConfigError) logger.fatal({ problems: error.problems }, error.message);
  else logger.fatal({ err: error }, 'gateway failed to start');
  process.exitCode = 1;
  // Let pino flush, then leave even if a client (Kafka, pg) still holds the event loop.
  setTimeout(() => process.exit(1), 200).unref();
});
