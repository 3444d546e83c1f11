// The whole platform on the local stack, for end-to-end tests: the BUILT apps (compute-image, stage-worker for kind
// `image`, orchestrator, projector, gateway) started as child processes on free ports, with names no other test uses —
// a scratch Postgres database, unique topics, consumer groups and raw-images bucket, an admin key in a temp dir.
// Each child's output goes to tmp/e2e-platform/<run>/<app>.log; `stop()` ends them (SIGTERM, then SIGKILL) and
// removes what was created.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, existsSync, mkdirSync, readFileSync, type WriteStream } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { credentials, Metadata, type ServiceError } from '@grpc/grpc-js';
import { BUCKETS } from '@imageflow/contracts';
import { computeV1 } from '@imageflow/contracts/grpc';
import { createKafka, ensureTopics, EventSerde, readMessages, type Kafka } from '@imageflow/messaging';
import { eventually as pollUntil } from '@imageflow/messaging/testing';
import { createScratchDatabase, type ScratchDatabase } from '@imageflow/persistence/testing';
import {
  catalogOf,
  type PartCatalog,
  type PartSpec,
  type PipelineDefinition,
  type PortKind,
} from '@imageflow/pipeline';
import { ObjectStore, runOutputPrefix } from '@imageflow/storage';
import { testObjectStoreConfig, uniqueBucketName } from '@imageflow/storage/testing';

export const repoRoot = join(__dirname, '..', '..', '..');
const env = (name: string, fallback: string): string => process.env[name] ?? fallback;

export const stackEnv = {
  KAFKA_BROKERS: env('KAFKA_BROKERS', '127.0.0.1:9092'),
  SCHEMA_REGISTRY_URL: env('SCHEMA_REGISTRY_URL', 'http://127.0.0.1:8081/apis/ccompat/v7'),
  S3_ENDPOINT: env('S3_ENDPOINT', 'http://127.0.0.1:9000'),
  S3_REGION: env('S3_REGION', 'us-east-1'),
  S3_ACCESS_KEY: env('S3_ACCESS_KEY', 'imageflow'),
  S3_SECRET_KEY: env('S3_SECRET_KEY', 'imageflow-local-secret'),
  DATABASE_URL: env('DATABASE_URL', 'postgres://imageflow:imageflow@127.0.0.1:5432/imageflow'),
};

export const APPS = ['compute-image', 'stage-worker', 'orchestrator', 'projector', 'gateway'] as const;
/** Started too with `new Platform({ ai: true })`: compute-ai (models published to the platform's bucket) and an `ai` stage worker. */
export const AI_APPS = ['compute-ai', 'stage-worker-ai'] as const;
export type AppName = (typeof APPS)[number] | (typeof AI_APPS)[number];

/** The built program an app runs; the `ai` stage worker is the stage-worker program with STAGE_KIND=ai. */
export const mainOf = (app: AppName): string => {
  const program = app === 'stage-worker-ai' ? 'stage-worker' : app;
  return join(repoRoot, 'dist', 'apps', program, 'apps', program, 'src', 'main.js');
};

/** fetch options of a JSON request (the platform's `request` adds the admin key). */
export const jsonRequest = (method: string, body?: unknown): RequestInit => ({
  method,
  headers: { 'content-type': 'application/json' },
  ...(body === undefined ? {} : { body: JSON.stringify(body) }),
});

/** A name no earlier run has used (letters, digits, dots and dashes). */
export const uniqueName = (prefix: string): string =>
  `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;

export async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const accepts = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

/** Polls `probe` until it returns a value, or fails naming `what` (and the last error) after `timeoutMs`. */
export async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 30_000,
  everyMs = 250,
): Promise<T> {
  try {
    return await pollUntil(probe, timeoutMs, everyMs);
  } catch (error) {
    throw new Error(`${what}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** Every name one platform instance uses; nothing is shared with other tests except the processed-images bucket. */
export interface PlatformNames {
  id: string;
  topics: {
    images: string;
    runEvents: string;
    pipelines: string;
    dlq: string;
    stageTemplate: string;
    stageImage: string;
    stageAi: string;
  };
  groups: { orchestrator: string; stageWorker: string; stageWorkerAi: string; projector: string };
  rawBucket: string;
  modelsBucket: string;
}

export function platformNames(): PlatformNames {
  const id = uniqueName('e2e.platform');
  return {
    id,
    topics: {
      images: `${id}.images`,
      runEvents: `${id}.run-events`,
      pipelines: `${id}.pipelines`,
      dlq: `${id}.dlq`,
      stageTemplate: `${id}.stage.{kind}`,
      stageImage: `${id}.stage.image`,
      stageAi: `${id}.stage.ai`,
    },
    groups: {
      orchestrator: `${id}.orchestrator`,
      stageWorker: `${id}.stage-worker.image`,
      stageWorkerAi: `${id}.stage-worker.ai`,
      projector: `${id}.projector`,
    },
    rawBucket: uniqueBucketName('e2e-plat-raw'),
    modelsBucket: uniqueBucketName('e2e-plat-models'),
  };
}

export interface AppProcess {
  app: AppName;
  child: ChildProcess;
  logFile: string;
  /** Resolves when the process has exited. */
  exited: Promise<void>;
}

const TAIL_LINES = 40;

export function tailOf(logFile: string, lines = TAIL_LINES): string {
  if (!existsSync(logFile)) return '(no log)';
  return readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
}

export interface PlatformOptions {
  /** Added to every app's environment (e.g. OTEL_* variables); the platform's own variables win. */
  extraEnv?: Record<string, string>;
  /** Also run compute-ai and an `ai` stage worker (needs `bash tools/models/install.sh` and compute-ai built). */
  ai?: boolean;
}

/** Publishes every model of the install cache (tools/models/install.sh) to `bucket` with the real tool. */
async function publishModels(bucket: string): Promise<void> {
  const child = spawn(
    process.execPath,
    [join(repoRoot, 'tools', 'models', 'publish.mjs'), '--all', '--bucket', bucket],
    {
      cwd: repoRoot,
      env: { ...process.env, ...stackEnv },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0)
    throw new Error(
      `publishing the models failed (run bash tools/models/install.sh first?): ${output.trim()}`,
    );
}

export class Platform {
  constructor(private readonly options: PlatformOptions = {}) {}

  readonly names = platformNames();
  readonly logDir = join(repoRoot, 'tmp', 'e2e-platform', this.names.id);
  readonly kafka: Kafka = createKafka({
    brokers: stackEnv.KAFKA_BROKERS.split(','),
    clientId: 'e2e-platform',
  });
  readonly store = new ObjectStore(testObjectStoreConfig());
  readonly serde = new EventSerde({ registryUrl: stackEnv.SCHEMA_REGISTRY_URL, clientId: 'e2e-platform' });
  readonly processes = new Map<AppName, AppProcess>();
  private readonly envs = new Map<AppName, Record<string, string>>();
  private readonly logs: WriteStream[] = [];
  private readonly runIds = new Set<string>();
  private database?: ScratchDatabase;
  private keyDir?: string;
  gatewayUrl = '';
  computeAddress = '';
  computeAiAddress = '';
  adminKey = '';

  /** The apps this platform runs. */
  get apps(): AppName[] {
    return [...APPS, ...(this.options.ai ? AI_APPS : [])];
  }

  /** Starts every app and waits until each one listens. */
  async start(): Promise<void> {
    for (const app of this.apps) {
      if (!existsSync(mainOf(app)))
        throw new Error(`build ${app} first (nx run ${app}:build): ${mainOf(app)} is missing`);
    }
    mkdirSync(this.logDir, { recursive: true });
    this.database = await createScratchDatabase(stackEnv.DATABASE_URL, 'e2e_platform');
    this.keyDir = await mkdtemp(join(tmpdir(), 'e2e-platform-'));
    const { topics, groups } = this.names;
    // Created up front with the partitions the apps would use, so no consumer subscribes to a missing topic.
    await ensureTopics(this.kafka, [
      { topic: topics.images, numPartitions: 3 },
      { topic: topics.pipelines, numPartitions: 1 },
      { topic: topics.runEvents, numPartitions: 6 },
      { topic: topics.stageImage, numPartitions: 6 },
      ...(this.options.ai ? [{ topic: topics.stageAi, numPartitions: 6 }] : []),
      { topic: topics.dlq, numPartitions: 1 },
    ]);
    const common = {
      ...this.options.extraEnv,
      ...stackEnv,
      DATABASE_URL: this.database.url,
      LOG_LEVEL: process.env['E2E_APP_LOG'] ?? 'info',
    };

    // The gateway first: it applies the database migrations and creates the buckets.
    const httpPort = await freePort();
    const grpcPort = await freePort();
    this.computeAddress = `127.0.0.1:${grpcPort}`;
    const aiGrpcPort = this.options.ai ? await freePort() : 0;
    if (this.options.ai) this.computeAiAddress = `127.0.0.1:${aiGrpcPort}`;
    this.envs.set('gateway', {
      ...common,
      HTTP_PORT: String(httpPort),
      IMAGES_TOPIC: topics.images,
      PIPELINES_TOPIC: topics.pipelines,
      // Replays, manual runs and the live view use the platform's own run log.
      RUN_EVENTS_TOPIC: topics.runEvents,
      LIVE_GROUP_PREFIX: `${this.names.id}.gateway-live`,
      RAW_IMAGES_BUCKET: this.names.rawBucket,
      MODELS_BUCKET: this.names.modelsBucket,
      ADMIN_KEY_FILE: join(this.keyDir, 'admin-key'),
      // The platform's own compute-image; no compute-ai (the pipeline uses image parts only).
      COMPUTE_ADDRESSES: [this.computeAddress, this.computeAiAddress].filter(Boolean).join(','),
      INGEST_RATE_LIMIT: '10000',
      KAFKA_CLIENT_ID: `${this.names.id}.gateway`,
    });
    this.envs.set('compute-image', {
      ...common,
      COMPUTE_IMAGE_PORT: String(grpcPort),
      COMPUTE_IMAGE_METRICS_PORT: String(await freePort()),
    });
    this.envs.set('stage-worker', {
      ...common,
      STAGE_KIND: 'image',
      COMPUTE_ADDRESS: this.computeAddress,
      CONSUMER_GROUP: groups.stageWorker,
      STAGE_TOPIC: topics.stageImage,
      RUN_EVENTS_TOPIC: topics.runEvents,
      DLQ_TOPIC: topics.dlq,
      METRICS_PORT: String(await freePort()),
      WORKER_ID: `${this.names.id}.worker`,
    });
    this.envs.set('orchestrator', {
      ...common,
      ORCHESTRATOR_GROUP_ID: groups.orchestrator,
      IMAGES_TOPIC: topics.images,
      RUN_EVENTS_TOPIC: topics.runEvents,
      PIPELINES_TOPIC: topics.pipelines,
      DLQ_TOPIC: topics.dlq,
      STAGE_TOPIC_TEMPLATE: topics.stageTemplate,
      METRICS_PORT: String(await freePort()),
    });
    this.envs.set('projector', {
      ...common,
      PROJECTOR_GROUP_ID: groups.projector,
      PROJECTOR_NAME: `${this.names.id}.projector`,
      PROJECTOR_IMAGES_TOPIC: topics.images,
      PROJECTOR_RUN_EVENTS_TOPIC: topics.runEvents,
      PROJECTOR_PIPELINES_TOPIC: topics.pipelines,
      PROJECTOR_DLQ_TOPIC: topics.dlq,
      METRICS_PORT: String(await freePort()),
    });

    if (this.options.ai) {
      this.envs.set('compute-ai', {
        ...common,
        COMPUTE_AI_PORT: String(aiGrpcPort),
        COMPUTE_AI_METRICS_PORT: String(await freePort()),
        MODELS_BUCKET: this.names.modelsBucket,
      });
      this.envs.set('stage-worker-ai', {
        ...common,
        STAGE_KIND: 'ai',
        COMPUTE_ADDRESS: this.computeAiAddress,
        CONSUMER_GROUP: groups.stageWorkerAi,
        STAGE_TOPIC: topics.stageAi,
        RUN_EVENTS_TOPIC: topics.runEvents,
        DLQ_TOPIC: topics.dlq,
        METRICS_PORT: String(await freePort()),
        WORKER_ID: `${this.names.id}.worker-ai`,
      });
    }

    await this.startApp('compute-image');
    await this.startApp('gateway');
    if (this.options.ai) {
      // The gateway created the models bucket; compute-ai serves what is published there.
      await publishModels(this.names.modelsBucket);
      await this.startApp('compute-ai');
    }
    this.gatewayUrl = `http://127.0.0.1:${httpPort}`;
    this.adminKey = (await readFile(join(this.keyDir, 'admin-key'), 'utf8')).trim();
    await Promise.all(
      (['stage-worker', 'orchestrator', 'projector'] as const).map((app) => this.startApp(app)),
    );
    if (this.options.ai) await this.startApp('stage-worker-ai');
  }

  /** Where each app serves `/metrics` (127.0.0.1:port), e.g. to register them as Prometheus file_sd targets. */
  metricsTargets(): { app: AppName; target: string }[] {
    const portVariable: Record<AppName, string> = {
      gateway: 'HTTP_PORT',
      'compute-image': 'COMPUTE_IMAGE_METRICS_PORT',
      'stage-worker': 'METRICS_PORT',
      orchestrator: 'METRICS_PORT',
      projector: 'METRICS_PORT',
      'compute-ai': 'COMPUTE_AI_METRICS_PORT',
      'stage-worker-ai': 'METRICS_PORT',
    };
    return this.apps.flatMap((app) => {
      const port = this.envs.get(app)?.[portVariable[app]];
      return port ? [{ app, target: `127.0.0.1:${port}` }] : [];
    });
  }

  /** The port an app is ready on once it accepts connections. */
  private readyPort(app: AppName): number {
    const key =
      app === 'compute-image'
        ? 'COMPUTE_IMAGE_PORT'
        : app === 'compute-ai'
          ? 'COMPUTE_AI_PORT'
          : app === 'gateway'
            ? 'HTTP_PORT'
            : 'METRICS_PORT';
    const port = Number(this.envs.get(app)?.[key]);
    if (!port) throw new Error(`${app}: start() has not chosen its ports`);
    return port;
  }

  /** Starts (or restarts) one app with the environment chosen in start(), and waits until it listens. */
  async startApp(app: AppName): Promise<AppProcess> {
    const running = this.processes.get(app);
    if (running && running.child.exitCode === null && running.child.signalCode === null) {
      throw new Error(`${app} is already running`);
    }
    const logFile = join(this.logDir, `${app}.log`);
    const log = createWriteStream(logFile, { flags: 'a' });
    this.logs.push(log);
    log.write(`--- start ${new Date().toISOString()}\n`);
    const child = spawn(process.execPath, [mainOf(app)], {
      cwd: repoRoot,
      env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', ...this.envs.get(app) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.pipe(log, { end: false });
    child.stderr?.pipe(log, { end: false });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const proc: AppProcess = { app, child, logFile, exited };
    this.processes.set(app, proc);
    const port = this.readyPort(app);
    try {
      await eventually(
        `${app} listening on ${port}`,
        async () => {
          if (child.exitCode !== null) throw new Error(`${app} exited with ${child.exitCode}`);
          return (await accepts(port)) ? true : undefined;
        },
        // After a SIGKILL the orchestrator listens only once its consumer groups have rebalanced, which waits for
        // the killed member's session to time out (30 s, libs/messaging consumerConfig).
        60_000,
        100,
      );
    } catch (error) {
      child.kill('SIGKILL');
      throw new Error(`${String(error)}\n--- ${app} log tail:\n${tailOf(logFile)}`);
    }
    return proc;
  }

  /** SIGKILL: the process gets no chance to finish anything. */
  async kill(app: AppName): Promise<void> {
    const proc = this.processes.get(app);
    if (!proc || proc.child.exitCode !== null || proc.child.signalCode !== null) return;
    proc.child.kill('SIGKILL');
    await proc.exited;
  }

  /** SIGTERM, then SIGKILL after `graceMs`. */
  async terminate(app: AppName, graceMs = 10_000): Promise<void> {
    const proc = this.processes.get(app);
    if (!proc || proc.child.exitCode !== null || proc.child.signalCode !== null) return;
    proc.child.kill('SIGTERM');
    const timer = setTimeout(() => proc.child.kill('SIGKILL'), graceMs);
    await proc.exited;
    clearTimeout(timer);
  }

  /** Fails with the app's log tail when an app has died (they should all keep running). */
  assertAlive(): void {
    for (const proc of this.processes.values()) {
      if (proc.child.exitCode !== null) {
        throw new Error(`${proc.app} exited with ${proc.child.exitCode}:\n${tailOf(proc.logFile)}`);
      }
    }
  }

  /** The last lines of every app's log, for a failure report. */
  tails(): string {
    return [...this.processes.values()]
      .map((p) => `--- ${p.app} (${p.logFile}):\n${tailOf(p.logFile)}`)
      .join('\n');
  }

  /** fetch against the gateway with the admin key. */
  request(path: string, init: RequestInit = {}): Promise<Response> {
    return fetch(`${this.gatewayUrl}${path}`, {
      ...init,
      headers: {
        authorization: `Bearer ${this.adminKey}`,
        ...(init.headers as Record<string, string> | undefined),
      },
    });
  }

  async json<T>(path: string, init: RequestInit = {}): Promise<T> {
    const response = await this.request(path, init);
    const text = await response.text();
    if (!response.ok) throw new Error(`${init.method ?? 'GET'} ${path}: ${response.status} ${text}`);
    return JSON.parse(text) as T;
  }

  /** Every run a GET /api/v1/runs query (without limit and cursor) lists, page by page. */
  async runs<T = Record<string, unknown>>(query: string): Promise<T[]> {
    const all: T[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: T[]; nextCursor: string | null } = await this.json(
        `/api/v1/runs?${query}&limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      all.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    return all;
  }

  /**
   * Saves `definition` as a new pipeline over REST, activates its version and binds `cameraId` to it, each step
   * waited for in the read model. Returns the pipeline id and the version.
   */
  async deploy(
    name: string,
    definition: PipelineDefinition,
    cameraId?: string,
  ): Promise<{ pipelineId: string; version: string }> {
    const created = await this.json<{ pipelineId: string; version: string }>(
      '/api/v1/pipelines',
      jsonRequest('POST', { name, definition }),
    );
    const path = `/api/v1/pipelines/${created.pipelineId}/versions/${encodeURIComponent(created.version)}`;
    await eventually('version visible', async () => ((await this.request(path)).ok ? true : undefined));
    const activated = await this.request(`${path}/activate`, jsonRequest('POST'));
    if (activated.status !== 202) throw new Error(`activate: ${activated.status} ${await activated.text()}`);
    await eventually('activation visible', async () => {
      const p = await this.json<{ activeVersion: { version: string } | null }>(
        `/api/v1/pipelines/${created.pipelineId}`,
      );
      return p.activeVersion?.version === created.version ? true : undefined;
    });
    if (cameraId) await this.bindCamera(cameraId, created.pipelineId);
    return created;
  }

  /** PUT /api/v1/bindings/camera/:id, waited for in the read model. */
  async bindCamera(cameraId: string, pipelineId: string): Promise<void> {
    const bound = await this.request(
      `/api/v1/bindings/camera/${cameraId}`,
      jsonRequest('PUT', { pipelineId }),
    );
    if (bound.status !== 202) throw new Error(`bind ${cameraId}: ${bound.status} ${await bound.text()}`);
    await eventually(`binding of ${cameraId} visible`, async () => {
      const p = await this.json<{ bindings: { targetId: string }[] }>(`/api/v1/pipelines/${pipelineId}`);
      return p.bindings.some((b) => b.targetId === cameraId) ? true : undefined;
    });
  }

  /** The parts catalog straight from compute-image's Describe, as @imageflow/pipeline's PartSpec. */
  async describeCatalog(): Promise<PartCatalog> {
    const client = new computeV1.ComputeServiceClient(this.computeAddress, credentials.createInsecure());
    try {
      const response = await new Promise<computeV1.DescribeResponse>((resolve, reject) =>
        client.describe(
          {},
          new Metadata(),
          { deadline: Date.now() + 5_000 },
          (error: ServiceError | null, r) =>
            error || !r ? reject(error ?? new Error('empty Describe response')) : resolve(r),
        ),
      );
      return catalogOf(response.parts.map(partSpecOf));
    } finally {
      client.close();
    }
  }

  /** Remembers a run so stop() removes its outputs from the shared processed-images bucket. */
  trackRun(runId: string): void {
    this.runIds.add(runId);
  }

  /** Every record of the run-events topic, decoded. */
  async runEvents(): Promise<Awaited<ReturnType<EventSerde['decode']>>[]> {
    const records = await readMessages(this.kafka, {
      topic: this.names.topics.runEvents,
      limit: 1_000_000,
      timeoutMs: 60_000,
    });
    return Promise.all(
      records.filter((r) => r.message.value).map((r) => this.serde.decode(r.message.value as Buffer)),
    );
  }

  /** Stops every app (SIGTERM, then SIGKILL) and removes the database, topics, groups, buckets and outputs. */
  async stop(): Promise<void> {
    await Promise.all([...this.processes.keys()].map((app) => this.terminate(app)));
    for (const log of this.logs) log.end();
    const errors: unknown[] = [];
    const attempt = async (fn: () => Promise<unknown>) => {
      try {
        await fn();
      } catch (error) {
        errors.push(error);
      }
    };
    for (const runId of this.runIds) {
      await attempt(async () => {
        for (const key of await this.store.list(BUCKETS.processedImages, runOutputPrefix(runId))) {
          await this.store.remove({ bucket: BUCKETS.processedImages, key });
        }
      });
    }
    await attempt(async () => {
      const admin = this.kafka.admin();
      await admin.connect();
      try {
        const mine = (await admin.listTopics()).filter((t) => t.startsWith(this.names.id));
        if (mine.length) await admin.deleteTopics({ topics: mine });
        const groups = (await admin.listGroups()).groups
          .map((g) => g.groupId)
          .filter((g) => g.startsWith(this.names.id));
        if (groups.length) await admin.deleteGroups(groups).catch(() => undefined);
      } finally {
        await admin.disconnect();
      }
    });
    await attempt(() => this.store.removeBucketWithObjects(this.names.rawBucket));
    await attempt(() => this.store.removeBucketWithObjects(this.names.modelsBucket));
    await attempt(async () => this.database?.drop());
    const keyDir = this.keyDir;
    if (keyDir) await attempt(() => rm(keyDir, { recursive: true, force: true }));
    if (errors.length) throw new AggregateError(errors, 'platform clean-up failed');
  }
}

const CATEGORIES: Partial<Record<computeV1.Category, PartSpec['category']>> = {
  [computeV1.Category.PRE]: 'pre',
  [computeV1.Category.AI]: 'ai',
  [computeV1.Category.POST]: 'post',
};

const portKindOf = (kind: computeV1.PortKind): PortKind => {
  const name = computeV1.PortKind[kind];
  if (!name || name === 'UNSPECIFIED' || name === 'UNRECOGNIZED')
    throw new Error(`unknown port kind ${kind}`);
  return name as PortKind;
};

export function partSpecOf(descriptor: computeV1.PartDescriptor): PartSpec {
  const category = CATEGORIES[descriptor.category];
  if (!category) throw new Error(`${descriptor.id}: unknown category ${descriptor.category}`);
  const ports = (specs: computeV1.PortSpec[]) =>
    specs.map((spec) => ({ name: spec.name, kind: portKindOf(spec.kind), required: spec.required }));
  return {
    id: descriptor.id,
    version: descriptor.version,
    category,
    stageKind: descriptor.stageKind,
    inputs: ports(descriptor.inputs),
    outputs: ports(descriptor.outputs),
    parametersSchema: JSON.parse(descriptor.parametersSchemaJson || '{}') as Record<string, unknown>,
    title: { en: descriptor.titleEn, ja: descriptor.titleJa },
  };
}
