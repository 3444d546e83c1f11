// Runs every built app as a child process with its logs in .imageflow/logs/<app>.log, prints where things
// are, and stops them all cleanly on Ctrl-C (SIGINT/SIGTERM forwarded, then SIGKILL after a grace period).
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

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
