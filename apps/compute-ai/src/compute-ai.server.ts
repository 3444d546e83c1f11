import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server, ServerCredentials } from '@grpc/grpc-js';
import { HealthImplementation } from 'grpc-health-check';
import { computeV1 } from '@imageflow/contracts/grpc';
import { createInference, S3ModelSource } from '@imageflow/inference';
import { traceGrpcService, type Logger, type Registry } from '@imageflow/observability';
import type { ComputeAiConfig } from './compute-ai.config';
import { createComputeService, SERVICE_NAME } from './grpc/compute.service';
import { createAiMetrics } from './metrics/ai-metrics';
import { createAiParts } from './parts/ai-parts';

export interface RunningComputeAi {
  /** host:port of the gRPC server. */
  address: string;
  grpcPort: number;
  metricsPort: number;
  /** Stops taking calls (health NOT_SERVING), lets in-flight calls finish within the grace period, then closes. */
  shutdown(): Promise<void>;
}

const MiB = 1024 * 1024;

export async function startComputeAi(
  config: ComputeAiConfig,
  deps: { logger: Logger; registry: Registry },
): Promise<RunningComputeAi> {
  const { logger, registry } = deps;
  const metrics = createAiMetrics(registry);
  const source = new S3ModelSource({
    endpoint: config.S3_ENDPOINT,
    region: config.S3_REGION,
    accessKey: config.S3_ACCESS_KEY,
    secretKey: config.S3_SECRET_KEY,
    bucket: config.MODELS_BUCKET,
  });
  const inference = createInference(
    source,
    {
      onnx: {
        intraOpThreads: config.COMPUTE_AI_INTRA_OP_THREADS,
        interOpThreads: config.COMPUTE_AI_INTER_OP_THREADS,
        executionProviders: config.COMPUTE_AI_EXECUTION_PROVIDERS,
      },
      batching: {
        maxBatchSize: config.COMPUTE_AI_BATCH_MAX_SIZE,
        maxDelayMs: config.COMPUTE_AI_BATCH_MAX_DELAY_MS,
        maxConcurrentBatches: config.COMPUTE_AI_BATCH_CONCURRENCY,
      },
      latestTtlMs: config.COMPUTE_AI_MODEL_REFRESH_MS,
      maxLoadedModels: config.COMPUTE_AI_MAX_LOADED_MODELS,
      maxPixels: config.COMPUTE_AI_MAX_INPUT_PIXELS,
    },
    {
      onBatch: (model, size, waitMs, runMs) => {
        metrics.batchSize.observe({ model: model.ref }, size);
        metrics.batchWait.observe({ model: model.ref }, waitMs / 1000);
        metrics.batchRun.observe({ model: model.ref }, runMs / 1000);
      },
      onLoad: (model, ms) => {
        metrics.modelLoad.observe({ model: model.ref }, ms / 1000);
        logger.info(
          {
            model: model.ref,
            ms: Math.round(ms),
            batchable: model.runner.batchable,
            task: model.manifest.task,
          },
          'model loaded',
        );
      },
      onSwitch: (id, from, to) => {
        if (from !== undefined) metrics.modelSwitches.inc({ model_id: id });
        logger.info(
          { model: id, from, to },
          from === undefined ? 'model resolved' : 'model version switched',
        );
      },
      onError: (message, error) => logger.warn({ err: error }, message),
    },
  );
  const parts = createAiParts(inference.service, config);
  const compute = createComputeService({
    parts,
    logger,
    metrics,
    maxInFlight: config.COMPUTE_AI_MAX_IN_FLIGHT,
  });

  const maxMessageBytes = config.COMPUTE_AI_MAX_MESSAGE_MB * MiB;
  const server = new Server({
    'grpc.max_receive_message_length': maxMessageBytes,
    'grpc.max_send_message_length': maxMessageBytes,
  });
  // A SERVER span per call, child of the stage worker's CLIENT span (trace context in the metadata).
  server.addService(
    computeV1.ComputeServiceService,
    traceGrpcService(computeV1.ComputeServiceService, compute.implementation),
  );
  // The standard grpc.health.v1.Health service: '' is the server as a whole.
  const health = new HealthImplementation({ '': 'NOT_SERVING', [SERVICE_NAME]: 'NOT_SERVING' });
  health.addToServer(server);

  const grpcPort = await new Promise<number>((resolve, reject) =>
    server.bindAsync(
      `${config.COMPUTE_AI_HOST}:${config.COMPUTE_AI_PORT}`,
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
        .end(
          JSON.stringify({ status: serving ? 'SERVING' : 'NOT_SERVING', models: inference.store.loaded() }),
        );
    } else {
      res.writeHead(404).end();
    }
  });
  try {
    await new Promise<void>((resolve, reject) => {
      http.once('error', reject);
      http.listen(config.COMPUTE_AI_METRICS_PORT, config.COMPUTE_AI_HOST, resolve);
    });
  } catch (error) {
    server.forceShutdown();
    throw error;
  }
  const metricsPort = (http.address() as AddressInfo).port;
  const address = `${config.COMPUTE_AI_HOST}:${grpcPort}`;
  logger.info(
    {
      address,
      grpcPort,
      metricsPort,
      parts: parts.map((p) => p.descriptor.id),
      models: source.description,
      maxMessageBytes,
      onnx: inference.onnx.options,
      batching: {
        maxBatchSize: config.COMPUTE_AI_BATCH_MAX_SIZE,
        maxDelayMs: config.COMPUTE_AI_BATCH_MAX_DELAY_MS,
      },
    },
    'compute-ai listening',
  );

  let stopping: Promise<void> | undefined;
  const shutdown = () =>
    (stopping ??= (async () => {
      serving = false;
      health.setStatus('', 'NOT_SERVING');
      health.setStatus(SERVICE_NAME, 'NOT_SERVING');
      logger.info({ inFlight: compute.inFlight() }, 'compute-ai shutting down');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          logger.warn(
            { graceMs: config.COMPUTE_AI_SHUTDOWN_GRACE_MS },
            'grace period over, cancelling remaining calls',
          );
          server.forceShutdown();
          resolve();
        }, config.COMPUTE_AI_SHUTDOWN_GRACE_MS);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      });
      await new Promise<void>((resolve) => http.close(() => resolve()));
      await inference.store.close();
      logger.info('compute-ai stopped');
    })());

  return { address, grpcPort, metricsPort, shutdown };
}
