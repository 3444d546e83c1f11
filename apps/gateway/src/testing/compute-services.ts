// The real compute services for integration tests: the built apps (nx run compute-image:build / compute-ai:build)
// started as child processes on free ports, as operators run them.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';
import { eventually } from '@imageflow/messaging/testing';

const root = join(__dirname, '..', '..', '..', '..');
const MAINS = {
  'compute-image': join(root, 'dist/apps/compute-image/apps/compute-image/src/main.js'),
  'compute-ai': join(root, 'dist/apps/compute-ai/apps/compute-ai/src/main.js'),
} as const;

export type ComputeApp = keyof typeof MAINS;

export interface RunningCompute {
  app: ComputeApp;
  address: string;
  child: ChildProcess;
  /** SIGTERM, and wait until the process has exited. */
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const accepts = (port: number) =>
  new Promise<true | undefined>((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(undefined));
  });

/** Starts a built compute app on a free port and waits until it accepts connections. */
export async function startCompute(
  app: ComputeApp,
  env: Record<string, string> = {},
): Promise<RunningCompute> {
  const main = MAINS[app];
  if (!existsSync(main)) throw new Error(`build ${app} first: ${main} is missing`);
  const port = await freePort();
  const prefix = app === 'compute-image' ? 'COMPUTE_IMAGE' : 'COMPUTE_AI';
  const child = spawn(process.execPath, [main], {
    env: {
      ...process.env,
      [`${prefix}_PORT`]: String(port),
      [`${prefix}_METRICS_PORT`]: '0',
      LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await eventually(
      () => (child.exitCode === null ? accepts(port) : Promise.reject(new Error(`${app} exited`))),
      20_000,
      100,
    );
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return {
    app,
    address: `127.0.0.1:${port}`,
    child,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
