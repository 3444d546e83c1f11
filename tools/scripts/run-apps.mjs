// Runs every built app as a child process with its logs in .imageflow/logs/<app>.log, prints where things
// are, and stops them all cleanly on Ctrl-C (SIGINT/SIGTERM forwarded, then SIGKILL after a grace period).
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DEMO, seedDemo } from './seed-demo.mjs';

const root = resolve(import.meta.dirname, '..', '..');
const home = process.env.IMAGEFLOW_HOME ?? join(root, '.imageflow');
const logs = join(home, 'logs');
mkdirSync(logs, { recursive: true });

// Order matters: compute services and the projector before the gateway and the orchestrator.
const APPS = [
  { name: 'compute-image', args: [] },
  { name: 'compute-ai', args: [] },
  { name: 'projector', args: [] },
  { name: 'orchestrator', args: [] },
  { name: 'stage-worker-image', app: 'stage-worker', args: [], env: { STAGE_KIND: 'image' } },
  { name: 'stage-worker-ai', app: 'stage-worker', args: [], env: { STAGE_KIND: 'ai' } },
  { name: 'gateway', args: [] },
];

const children = [];
for (const app of APPS) {
  const dir = app.app ?? app.name;
  const main = join(root, 'dist', 'apps', dir, 'apps', dir, 'src', 'main.js');
  if (!existsSync(main)) continue;
  const log = createWriteStream(join(logs, `${app.name}.log`), { flags: 'a' });
  const child = spawn(process.execPath, ['--enable-source-maps', main, ...app.args], {
    cwd: root,
    env: { ...process.env, ...app.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  child.on('exit', (code, signal) => {
    if (!stopping)
      console.error(`${app.name} exited (${signal ?? code}); see ${join(logs, `${app.name}.log`)}`);
  });
  children.push({ app, child });
  console.log(`started ${app.name.padEnd(20)} pid ${child.pid}  log ${join(logs, `${app.name}.log`)}`);
}

const adminKey = join(home, 'admin-key');
console.log(`
ImageFlowCanvas is running.
  web UI and REST   http://127.0.0.1:8080        (OpenAPI: /api/openapi.json)
  admin API key     ${existsSync(adminKey) ? adminKey : `${adminKey} (written by the gateway on first start)`}
  Prometheus        http://127.0.0.1:9090
  logs              ${logs}
Ctrl-C stops the apps; \`npm run stack:down\` stops the stack.`);

let stopping = false;

// The demo: a serial-check pipeline bound to a simulated label camera (IMAGEFLOW_DEMO=false skips it).
const cli = join(root, 'dist', 'apps', 'cli', 'apps', 'cli', 'src', 'main.js');
if (process.env.IMAGEFLOW_DEMO !== 'false' && existsSync(cli)) {
  seedDemo().then(
    (seeded) => {
      if (stopping) return;
      console.log(
        `demo pipeline ${seeded.pipelineId} (${seeded.version.slice(0, 19)}…) bound to camera ${seeded.camera}`,
      );
      const log = createWriteStream(join(logs, 'camera-simulator.log'), { flags: 'a' });
      const child = spawn(
        process.execPath,
        [
          cli,
          'camera',
          'simulate',
          '--camera',
          DEMO.camera,
          '--line',
          DEMO.line,
          '--lot',
          'LOT-DEMO',
          '--rate',
          process.env.IMAGEFLOW_DEMO_RATE ?? '0.5',
          '--count',
          '1000000',
          '--bad-ratio',
          '0.1',
          '--json',
        ],
        { cwd: root, env: process.env, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      child.stdout.pipe(log);
      child.stderr.pipe(log);
      children.push({ app: { name: 'camera-simulator' }, child });
      console.log(
        `camera simulator sending labels (10% with bad serials) — log ${join(logs, 'camera-simulator.log')}`,
      );
    },
    (error) => console.error(`demo not seeded: ${error.message}`),
  );
}
async function stop(signal) {
  if (stopping) return;
  stopping = true;
  console.log(`\nstopping ${children.length} apps…`);
  for (const { child } of children) child.kill('SIGTERM');
  const exited = Promise.all(
    children.map(({ child }) => (child.exitCode !== null ? null : new Promise((r) => child.once('exit', r)))),
  );
  const timer = setTimeout(
    () => children.forEach(({ child }) => child.exitCode === null && child.kill('SIGKILL')),
    15_000,
  );
  await exited;
  clearTimeout(timer);
  console.log('all apps stopped');
  process.exit(signal === 'SIGINT' ? 130 : 0);
}
process.on('SIGINT', () => void stop('SIGINT'));
process.on('SIGTERM', () => void stop('SIGTERM'));
