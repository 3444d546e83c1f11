// Wires the orchestrator: configuration reader → capture consumer (RunStarted) and the run-events consumer
// (reducer + commands + timers), /metrics, /healthz (alive) and /readyz (consumers running).
import { createServer, type Server } from 'node:http';
import {
  CheckpointedBatchConsumer,
  ConsumerRunner,
  createKafka,
  ensureTopics,
  EventProducer,
  EventSerde,
} from '@imageflow/messaging';
import { createLogger, createMetricsRegistry, type Logger } from '@imageflow/observability';
import { CaptureHandler } from './capture.handler';
import { ConfigReader } from './config.reader';
import { stageTopicFor, type OrchestratorConfig } from './config';
import { ReplayExecutor } from './replay.executor';
import { RunEngine } from './run.engine';

export interface RunningOrchestrator {
  metricsPort: number;
  engine: RunEngine;
  config: ConfigReader;
  /** Graceful: finishes the batch in hand, commits, leaves the groups, cancels timers. */
  stop(): Promise<void>;
}

export async function startOrchestrator(
  config: OrchestratorConfig,
  logger: Logger = createLogger('orchestrator', config.LOG_LEVEL),
): Promise<RunningOrchestrator> {
  const metrics = createMetricsRegistry('orchestrator');
  // The HTTP server comes up first: after a crash the consumer groups may take a session timeout (≈ 30 s) to let
  // us join, and a liveness probe must not kill the process for that wait. /healthz says the process serves;
  // /readyz says which start-up phase it is in and answers 200 only once both consumers run.
  let phase: 'connecting' | 'config' | 'runs' | 'captures' | 'ready' | 'stopping' = 'connecting';
  const parts: { engine?: RunEngine; config?: ConfigReader } = {};
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (path === '/metrics') {
      void metrics
        .metrics()
        .then((text) => res.writeHead(200, { 'Content-Type': metrics.contentType }).end(text));
    } else if (path === '/healthz' || path === '/readyz') {
      const ready = phase === 'ready';
      const code = path === '/healthz' || ready ? 200 : 503;
      res.writeHead(code, { 'Content-Type': 'application/json' }).end(
        JSON.stringify({
          status: ready ? 'ok' : phase,
          ...(parts.engine?.stats ?? {}),
          config: parts.config?.table.size ?? 0,
        }),
      );
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.METRICS_PORT, config.METRICS_HOST, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const metricsPort = typeof address === 'object' && address ? address.port : config.METRICS_PORT;
  const kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: 'orchestrator', logger });
  const serde = new EventSerde({ registryUrl: config.SCHEMA_REGISTRY_URL });
  const producer = new EventProducer(kafka, serde, { logger, metrics });
  const partitions = config.TOPIC_PARTITIONS;
  await ensureTopics(kafka, [
    { topic: config.PIPELINES_TOPIC, numPartitions: partitions },
    { topic: config.IMAGES_TOPIC, numPartitions: partitions },
    { topic: config.RUN_EVENTS_TOPIC, numPartitions: partitions },
    { topic: config.DLQ_TOPIC, numPartitions: 1 },
  ]);
  await producer.connect();

  const stageTopics = new Map<string, Promise<string>>();
  const stageTopic = (kind: string): Promise<string> => {
    let topic = stageTopics.get(kind);
    if (!topic) {
      const name = stageTopicFor(config.STAGE_TOPIC_TEMPLATE, kind);
      topic = ensureTopics(kafka, [{ topic: name, numPartitions: partitions }]).then(() => name);
      stageTopics.set(kind, topic);
      topic.catch(() => stageTopics.delete(kind));
    }
    return topic;
  };

  const configReader = new ConfigReader({
    kafka,
    serde,
    topic: config.PIPELINES_TOPIC,
    groupPrefix: config.ORCHESTRATOR_GROUP_ID,
    logger,
    syncTimeoutMs: config.CONFIG_SYNC_TIMEOUT_MS,
  });
  phase = 'config';
  parts.config = configReader;
  await configReader.start();

  const replays = new ReplayExecutor({
    kafka,
    serde,
    producer,
    config: configReader,
    imagesTopic: config.IMAGES_TOPIC,
    runEventsTopic: config.RUN_EVENTS_TOPIC,
    logger,
    metrics,
  });
  const engine = new RunEngine({
    kafka,
    serde,
    producer,
    runEventsTopic: config.RUN_EVENTS_TOPIC,
    stageTopic,
    replays,
    logger,
    metrics,
  });
  const runs = new CheckpointedBatchConsumer(kafka, serde, producer, {
    groupId: `${config.ORCHESTRATOR_GROUP_ID}.runs`,
    topics: [config.RUN_EVENTS_TOPIC],
    loadCheckpoint: engine.loadCheckpoint,
    handleBatch: engine.handleBatch,
    partitionsConcurrently: config.RUN_PARTITIONS_CONCURRENTLY,
    dlqTopic: config.DLQ_TOPIC,
    logger,
    metrics,
  });
  parts.engine = engine;
  phase = 'runs';
  await runs.start();

  const captures = new CaptureHandler({
    config: configReader,
    producer,
    runEventsTopic: config.RUN_EVENTS_TOPIC,
    logger,
    metrics,
  });
  const images = new ConsumerRunner(kafka, serde, producer, {
    groupId: `${config.ORCHESTRATOR_GROUP_ID}.images`,
    topics: [config.IMAGES_TOPIC],
    handler: captures.handle,
    dlqTopic: config.DLQ_TOPIC,
    fromBeginning: true,
    logger,
    metrics,
  });
  phase = 'captures';
  await images.start();
  phase = 'ready';

  logger.info(
    {
      metricsPort,
      runEvents: config.RUN_EVENTS_TOPIC,
      images: config.IMAGES_TOPIC,
      pipelines: config.PIPELINES_TOPIC,
    },
    'orchestrator started',
  );

  let stopped: Promise<void> | undefined;
  return {
    metricsPort,
    engine,
    config: configReader,
    stop() {
      stopped ??= (async () => {
        phase = 'stopping';
        await images.stop();
        await runs.stop();
        replays.stop();
        engine.stop();
        await configReader.stop();
        await producer.disconnect();
        await new Promise((resolve) => server.close(resolve));
        logger.info('orchestrator stopped');
      })();
      return stopped;
    },
  };
}
