// Wires one stage worker: Kafka consumer → StepHandler → compute gRPC + object store → run-events.
import { createServer, type Server } from 'node:http';
import { stageTopic } from '@imageflow/contracts';
import { ConsumerRunner, createKafka, ensureTopics, EventProducer, EventSerde } from '@imageflow/messaging';
import { createLogger, createMetricsRegistry, type Logger } from '@imageflow/observability';
import { ObjectStore, objectStoreConfigFromEnv } from '@imageflow/storage';
import { ComputeClient } from './compute-client.adapter';
import type { StageWorkerConfig } from './config';
import { StepHandler } from './step.handler';

export interface RunningWorker {
  stop(): Promise<void>;
  metricsPort: number;
}

export async function startWorker(
  config: StageWorkerConfig,
  logger: Logger = createLogger(`stage-worker-${config.STAGE_KIND}`),
): Promise<RunningWorker> {
  const metrics = createMetricsRegistry(`stage-worker-${config.STAGE_KIND}`);
  const kafka = createKafka({
    brokers: config.KAFKA_BROKERS,
    clientId: `stage-worker-${config.STAGE_KIND}`,
    logger,
  });
  const serde = new EventSerde({ registryUrl: config.SCHEMA_REGISTRY_URL });
  const producer = new EventProducer(kafka, serde, { logger, metrics });
  const store = new ObjectStore(objectStoreConfigFromEnv(config));
  const compute = new ComputeClient({
    address: config.COMPUTE_ADDRESS,
    deadlineMs: config.COMPUTE_DEADLINE_MS,
    attempts: config.COMPUTE_ATTEMPTS,
    initialBackoffMs: config.COMPUTE_BACKOFF_MS,
    maxMessageBytes: config.COMPUTE_MAX_MESSAGE_BYTES,
    logger,
    metrics,
  });
  const handler = new StepHandler({
    stageKind: config.STAGE_KIND,
    workerId: config.WORKER_ID,
    runEventsTopic: config.RUN_EVENTS_TOPIC,
    compute,
    store,
    producer,
    logger,
    metrics,
  });
  const topic = config.STAGE_TOPIC ?? stageTopic(config.STAGE_KIND);
  // A worker may start before anything was ever sent to its stage: its topics must exist to subscribe.
  await ensureTopics(kafka, [{ topic }, { topic: config.RUN_EVENTS_TOPIC }, { topic: config.DLQ_TOPIC }]);
  await producer.connect();
  const runner = new ConsumerRunner(kafka, serde, producer, {
    groupId: config.CONSUMER_GROUP ?? `imageflow.stage-worker.${config.STAGE_KIND}`,
    topics: [topic],
    handler: handler.handle,
    partitionsConcurrently: config.WORKER_CONCURRENCY,
    maxInFlight: config.WORKER_MAX_IN_FLIGHT,
    dlqTopic: config.DLQ_TOPIC,
    fromBeginning: true,
    logger,
    metrics,
  });
  await runner.start();

  const server: Server = createServer((req, res) => {
    if (req.url === '/metrics') {
      void metrics
        .metrics()
        .then((text) => res.writeHead(200, { 'Content-Type': metrics.contentType }).end(text));
    } else if (req.url === '/healthz') {
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"status":"ok"}');
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(config.METRICS_PORT, config.METRICS_HOST, resolve));
  const address = server.address();
  const metricsPort = typeof address === 'object' && address ? address.port : config.METRICS_PORT;
  logger.info(
    { stage: config.STAGE_KIND, compute: config.COMPUTE_ADDRESS, metricsPort },
    'stage worker started',
  );

  return {
    metricsPort,
    async stop() {
      await runner.stop();
      await producer.disconnect();
      compute.close();
      await new Promise((resolve) => server.close(resolve));
      logger.info('stage worker stopped');
    },
  };
}
