import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server, ServerCredentials } from '@grpc/grpc-js';
import { HealthImplementation } from 'grpc-health-check';
import { computeV1 } from '@imageflow/contracts/grpc';
import { configureSharp, ImageOps } from '@imageflow/image-ops';
import { traceGrpcService, type Logger, type Registry } from '@imageflow/observability';
import type { ComputeImageConfig } from './compute-image.config';
import { ApplyLimiter } from './grpc/apply-limiter';
import { createComputeService, SERVICE_NAME } from './grpc/compute.service';
import { createComputeMetrics } from './metrics/grpc-metrics';

export interface RunningComputeImage {
  /** host:port of the gRPC server. */
  address: string;
  grpcPort: number;
  metricsPort: number;
  /** Stops taking calls (health NOT_SERVING), lets in-flight calls finish within the grace period, then closes. */
  shutdown(): Promise<void>;
}

const MiB = 1024 * 1024;

export async function startComputeImage(
  config: ComputeImageConfig,
  deps: { logger: Logger; registry: Registry },
): Promise<RunningComputeImage> {
  const { logger, registry } = deps;
  const vips = configureSharp({
    concurrency: config.COMPUTE_IMAGE_VIPS_CONCURRENCY,
    cacheMemoryMb: config.COMPUTE_IMAGE_VIPS_CACHE_MB,
  });
  const ops = new ImageOps({
    limits: {
      maxInputBytes: config.COMPUTE_IMAGE_MAX_INPUT_MB * MiB,
      maxInputPixels: config.COMPUTE_IMAGE_MAX_INPUT_PIXELS,
    },
  });
  const metrics = createComputeMetrics(registry);
  const limiter = new ApplyLimiter(config.COMPUTE_IMAGE_MAX_CONCURRENT, config.COMPUTE_IMAGE_MAX_QUEUED);

  const maxMessageBytes = config.COMPUTE_IMAGE_MAX_MESSAGE_MB * MiB;
  const server = new Server({
    'grpc.max_receive_message_length': maxMessageBytes,
    'grpc.max_send_message_length': maxMessageBytes,
  });
  // A SERVER span per call, child of the stage worker's CLIENT span (trace context in the metadata).
  server.addService(
    computeV1.ComputeServiceService,
    traceGrpcService(
      computeV1.ComputeServiceService,
      createComputeService({ ops, limiter, logger, metrics }),
    ),
  );
  // The standard grpc.health.v1.Health service: '' is the server as a whole.
  const health = new HealthImplementation({ '': 'NOT_SERVING', [SERVICE_NAME]: 'NOT_SERVING' });
  health.addToServer(server);

  const grpcPort = await new Promise<number>((resolve, reject) =>
    server.bindAsync(
      `${config.COMPUTE_IMAGE_HOST}:${config.COMPUTE_IMAGE_PORT}`,
      ServerCredentials.createInsecure(),
      (error, port) => (error ? reject(error) : resolve(port)),
    ),
  );
  let serving = true;
  health.setStatus('', 'SERVING');
  health.setStatus(SERVICE_NAME, 'SERVING');

  const http: HttpServer = createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/metrics') {
      registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
        (error: unknown) => res.writeHead(500).end(String(error)),
      );
    } else if (req.method === 'GET' && (req.url === '/healthz' || req.url === '/readyz')) {
      res
        .writeHead(serving ? 200 : 503, { 'content-type': 'application/json' })
        .end(JSON.stringify({ status: serving ? 'SERVING' : 'NOT_SERVING' }));
    } else {
      res.writeHead(404).end();
    }
  });
  try {
    await new Promise<void>((resolve, reject) => {
      http.once('error', reject);
      http.listen(config.COMPUTE_IMAGE_METRICS_PORT, config.COMPUTE_IMAGE_HOST, resolve);
    });
  } catch (error) {
    server.forceShutdown();
    throw error;
  }
  const metricsPort = (http.address() as AddressInfo).port;
  const address = `${config.COMPUTE_IMAGE_HOST}:${grpcPort}`;
  logger.info(
    {
      address,
      grpcPort,
      metricsPort,
      parts: ops.describe().length,
      maxMessageBytes,
      limits: ops.limits,
      maxConcurrent: config.COMPUTE_IMAGE_MAX_CONCURRENT,
      maxQueued: config.COMPUTE_IMAGE_MAX_QUEUED,
      vips,
    },
    'compute-image listening',
  );

  let stopping: Promise<void> | undefined;
  const shutdown = () =>
    (stopping ??= (async () => {
      serving = false;
      health.setStatus('', 'NOT_SERVING');
      health.setStatus(SERVICE_NAME, 'NOT_SERVING');
      logger.info({ inFlight: limiter.stats }, 'compute-image shutting down');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          logger.warn(
            { graceMs: config.COMPUTE_IMAGE_SHUTDOWN_GRACE_MS },
            'grace period over, cancelling remaining calls',
          );
          server.forceShutdown();
          resolve();
        }, config.COMPUTE_IMAGE_SHUTDOWN_GRACE_MS);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      });
      await new Promise<void>((resolve) => http.close(() => resolve()));
      logger.info('compute-image stopped');
    })());

  return { address, grpcPort, metricsPort, shutdown };
}
