// Test-only: runs the BUILT gateway (dist/apps/gateway, `nx run gateway:build`) as a child process, because the CLI
// must reach it the way a user does — over HTTP — and apps never import other apps. The gateway gets names no
// other test uses (scratch database, images/pipelines topics, buckets, admin key file) and everything is removed
// in `dispose()`.
//
// The backend testing helpers below set up and tear down what the gateway itself uses (Postgres, Kafka, S3). The
// CLI's own code never touches them (scope:cli, enforced by lint); this file is excluded from the build.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// eslint-disable-next-line @nx/enforce-module-boundaries -- test setup of the gateway's Kafka topics (see above)
import { createKafka } from '@imageflow/messaging';
// eslint-disable-next-line @nx/enforce-module-boundaries -- unique names for the gateway's topics
import { uniqueName } from '@imageflow/messaging/testing';
// eslint-disable-next-line @nx/enforce-module-boundaries -- the gateway's scratch database (see above)
import { createScratchDatabase, type ScratchDatabase } from '@imageflow/persistence/testing';
// eslint-disable-next-line @nx/enforce-module-boundaries -- removal of the gateway's buckets (see above)
import { ObjectStore } from '@imageflow/storage';
// eslint-disable-next-line @nx/enforce-module-boundaries -- unique bucket names, the stack's S3 settings
import { testObjectStoreConfig, uniqueBucketName } from '@imageflow/storage/testing';

export const workspaceRoot = join(__dirname, '..', '..', '..', '..');
export const gatewayMain = join(
  workspaceRoot,
  'dist',
  'apps',
  'gateway',
  'apps',
  'gateway',
  'src',
  'main.js',
);
export const cliMain = join(workspaceRoot, 'dist', 'apps', 'cli', 'apps', 'cli', 'src', 'main.js');

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export interface GatewayProcess {
  url: string;
  port: number;
  env: Record<string, string>;
  /** The admin key the gateway wrote on its first start. */
  adminKey(): Promise<string>;
  start(): Promise<void>;
  /** SIGTERM and wait for the exit (the gateway drains in-flight requests first). */
  stop(): Promise<void>;
  running(): boolean;
  /** Total ImageCaptured messages on this gateway's images topic. */
  countImageEvents(): Promise<number>;
  /** A counter of the gateway's /metrics for one label set, 0 when absent. */
  metric(name: string, labels: Record<string, string>): Promise<number>;
  /** The gateway's log lines so far (for failure messages). */
  logs(): string;
  dispose(): Promise<void>;
}

export async function createGatewayProcess(): Promise<GatewayProcess> {
  const database: ScratchDatabase = await createScratchDatabase(
    process.env['DATABASE_URL'] ?? 'postgres://imageflow:imageflow@127.0.0.1:5432/imageflow',
    'cli_it',
  );
  const keyDir = await mkdtemp(join(tmpdir(), 'cli-it-gateway-'));
  const port = await freePort();
  const env: Record<string, string> = {
    HTTP_HOST: '127.0.0.1',
    HTTP_PORT: String(port),
    DATABASE_URL: database.url,
    IMAGES_TOPIC: uniqueName('it.cli.images'),
    PIPELINES_TOPIC: uniqueName('it.cli.pipelines'),
    RAW_IMAGES_BUCKET: uniqueBucketName('it-cli-raw'),
    MODELS_BUCKET: uniqueBucketName('it-cli-models'),
    ADMIN_KEY_FILE: join(keyDir, 'admin-key'),
    LOG_LEVEL: process.env['GATEWAY_TEST_LOG'] ?? 'warn',
  };
  const url = `http://127.0.0.1:${port}`;
  let child: ChildProcess | null = null;
  let exited: Promise<void> = Promise.resolve();
  let log = '';
  const brokers = (process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092').split(',');

  const waitReady = async (): Promise<void> => {
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      if (!child || child.exitCode !== null)
        throw new Error(`the gateway exited during start-up:\n${log.slice(-4000)}`);
      const ready = await fetch(`${url}/readyz`)
        .then((r) => r.ok)
        .catch(() => false);
      if (ready) return;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error(`the gateway was not ready within 60 s:\n${log.slice(-4000)}`);
  };

  const self: GatewayProcess = {
    url,
    port,
    env,
    adminKey: async () => (await readFile(env['ADMIN_KEY_FILE'] as string, 'utf8')).trim(),
    async start() {
      if (child) throw new Error('the gateway is already running');
      const started = spawn(process.execPath, [gatewayMain], {
        cwd: workspaceRoot,
        env: { ...process.env, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child = started;
      started.stdout?.on('data', (chunk: Buffer) => (log += chunk.toString()));
      started.stderr?.on('data', (chunk: Buffer) => (log += chunk.toString()));
      exited = new Promise((resolve) => started.once('exit', () => resolve()));
      await waitReady();
    },
    async stop() {
      if (!child) return;
      const stopping = child;
      child = null;
      if (stopping.exitCode === null) stopping.kill('SIGTERM');
      const timer = setTimeout(() => stopping.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
    running: () => child !== null && child.exitCode === null,
    async countImageEvents() {
      const admin = createKafka({ brokers, clientId: 'cli-it' }).admin();
      await admin.connect();
      try {
        const offsets = await admin.fetchTopicOffsets(env['IMAGES_TOPIC'] as string);
        return offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
      } finally {
        await admin.disconnect();
      }
    },
    async metric(name, labels) {
      const text = await (await fetch(`${url}/metrics`)).text();
      for (const line of text.split('\n')) {
        if (!line.startsWith(`${name}{`)) continue;
        if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`)))
          return Number(line.split(' ').at(-1));
      }
      return 0;
    },
    logs: () => log,
    async dispose() {
      await self.stop();
      const admin = createKafka({ brokers, clientId: 'cli-it-cleanup' }).admin();
      await admin.connect();
      try {
        const mine = [env['IMAGES_TOPIC'], env['PIPELINES_TOPIC']];
        const topics = (await admin.listTopics()).filter((t) => mine.includes(t));
        if (topics.length) await admin.deleteTopics({ topics }).catch(() => undefined);
      } finally {
        await admin.disconnect();
      }
      const store = new ObjectStore(testObjectStoreConfig());
      await store.removeBucketWithObjects(env['RAW_IMAGES_BUCKET'] as string).catch(() => undefined);
      await store.removeBucketWithObjects(env['MODELS_BUCKET'] as string).catch(() => undefined);
      await database.drop();
      await rm(keyDir, { recursive: true, force: true });
    },
  };
  return self;
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the built `imageflow` and waits for it. */
export function runCli(
  args: string[],
  options: { env?: Record<string, string>; cwd?: string } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliMain, ...args], {
      cwd: options.cwd ?? tmpdir(),
      env: { ...process.env, IMAGEFLOW_API_KEY: '', IMAGEFLOW_GATEWAY: '', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** Starts the built `imageflow` as a long-running process (the agent), collecting its output. */
export function startCli(args: string[], options: { env?: Record<string, string> } = {}) {
  const child = spawn(process.execPath, [cliMain, ...args], {
    cwd: tmpdir(),
    env: { ...process.env, IMAGEFLOW_API_KEY: '', IMAGEFLOW_GATEWAY: '', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    output: () => output,
    exited,
    /** JSON log lines of the agent with this msg. */
    lines: (msg: string) =>
      output
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .filter((l) => l['msg'] === msg),
  };
}

export async function eventually<T>(
  probe: () => Promise<T | undefined | false>,
  timeoutMs = 30_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined && value !== false) return value;
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}
