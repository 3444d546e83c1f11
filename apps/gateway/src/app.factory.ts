// Builds the configured Nest application; used by main.ts and by the integration tests (same code path).
import 'reflect-metadata';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { z } from '@imageflow/config';
import { createLogger, type Logger, type Registry } from '@imageflow/observability';
import { AppModule } from './app.module';
import { HttpExceptionFilter } from './common/http/http-exception.filter';
import { httpMetricsMiddleware } from './common/http/http-metrics.middleware';
import { PinoNestLogger } from './common/logging/pino-nest.logger';
import { apiSchema, registeredSchemas } from './common/openapi/zod-openapi';
import type { GatewayConfig } from './config/gateway.config';
import { METRICS_REGISTRY } from './platform/platform.tokens';

export const OPENAPI_PATH = 'api/openapi.json';

const errorSchema = z.object({
  statusCode: z.number().int(),
  error: z.string().describe('HTTP reason phrase'),
  message: z.string().describe('What was wrong, in one sentence'),
});

export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  apiSchema('Error', errorSchema);
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('ImageFlowCanvas gateway')
      .setDescription(
        'Camera ingest and queries over the read models. Every /api/v1 route needs "Authorization: Bearer <API key>".',
      )
      .setVersion('1')
      .addBearerAuth({
        type: 'http',
        scheme: 'bearer',
        description: 'API key (roles admin, operator, camera)',
      })
      .build(),
  );
  document.components = {
    ...document.components,
    schemas: { ...document.components?.schemas, ...registeredSchemas() },
  };
  return document;
}

/** Paths the API owns: never answered with the web UI's index.html. */
const API_PREFIXES = ['/api/', '/healthz', '/readyz', '/metrics'];

/**
 * Serves the built web UI at `/`: its files as they are (hashed assets cached for a year), and index.html for any
 * other GET that asks for HTML, so the single-page app's own routes (e.g. /runs/123) survive a reload.
 */
function serveWebUi(app: NestExpressApplication, config: GatewayConfig, logger: Logger): void {
  const dir = resolve(config.WEB_DIST_DIR);
  const index = join(dir, 'index.html');
  if (!existsSync(index)) {
    logger.info({ dir }, 'no built web UI to serve (run nx run web:build)');
    return;
  }
  app.useStaticAssets(dir, {
    index: false,
    setHeaders: (res, path) => {
      res.setHeader(
        'Cache-Control',
        path.includes(`${join(dir, 'assets')}`) ? 'public, max-age=31536000, immutable' : 'no-cache',
      );
    },
  });
  app.use(
    (
      req: { method: string; path: string; headers: { accept?: string } },
      res: { sendFile: (p: string, o: object) => void },
      next: () => void,
    ) => {
      const wantsHtml = (req.headers.accept ?? '').includes('text/html');
      if (
        (req.method !== 'GET' && req.method !== 'HEAD') ||
        !wantsHtml ||
        API_PREFIXES.some((p) => req.path.startsWith(p))
      ) {
        next();
        return;
      }
      res.sendFile(index, { headers: { 'Cache-Control': 'no-cache' } });
    },
  );
  logger.info({ dir }, 'serving the web UI at /');
}

export interface GatewayApp {
  app: NestExpressApplication;
  logger: Logger;
  openapi: OpenAPIObject;
}

export async function createGatewayApp(
  config: GatewayConfig,
  logger: Logger = createLogger('gateway', config.LOG_LEVEL),
): Promise<GatewayApp> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config, logger), {
    logger: new PinoNestLogger(logger),
    // Only small JSON bodies are parsed globally; images are streamed by the ingest route itself, within its limit.
    bodyParser: false,
    // Throw start-up errors (main.ts logs them and exits 1) instead of Nest's process.abort().
    abortOnError: false,
    // No forceCloseConnections: on shutdown the server stops accepting, closes idle keep-alive sockets and lets
    // requests in flight finish (an ingest half-way through still stores and produces).
  });
  app.disable('x-powered-by');
  app.useBodyParser('json', { limit: '64kb' });
  app.use(httpMetricsMiddleware(app.get<Registry>(METRICS_REGISTRY), logger));
  app.useGlobalFilters(new HttpExceptionFilter(logger));
  app.enableShutdownHooks();
  serveWebUi(app, config, logger);
  const openapi = buildOpenApiDocument(app);
  // Swagger UI at /api/docs, the document itself at /api/openapi.json (both public, outside the API-key guard).
  SwaggerModule.setup('api/docs', app, openapi, {
    jsonDocumentUrl: OPENAPI_PATH,
    yamlDocumentUrl: 'api/openapi.yaml',
  });
  return { app, logger, openapi };
}
