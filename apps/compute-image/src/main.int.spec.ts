// The built app as operators run it (node dist/.../main.js): start-up, config errors, graceful SIGTERM.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { credentials, Metadata, type ServiceError } from '@grpc/grpc-js';
import { computeV1 } from '@imageflow/contracts/grpc';
import { imageInput, outputOf, testCard } from '@imageflow/image-ops/testing';
import { describe, expect, it } from 'vitest';

const repoRoot = join(__dirname, '..', '..', '..');
const mainJs = join(repoRoot, 'dist', 'apps', 'compute-image', 'apps', 'compute-image', 'src', 'main.js');

interface LogLine {
  msg?: string;
  [key: string]: unknown;
}

function start(env: Record<string, string>) {
  if (!existsSync(mainJs)) throw new Error(`${mainJs} is missing: run nx run compute-image:build`);
  const child = spawn(process.execPath, [mainJs], {
    env: {
      ...process.env,
      COMPUTE_IMAGE_PORT: '0',
      COMPUTE_IMAGE_METRICS_PORT: '0',
      LOG_LEVEL: 'info',
      ...env,
    },
  });
  const lines: LogLine[] = [];
  const waiters: { match: (l: LogLine) => boolean; resolve: (l: LogLine) => void }[] = [];
  createInterface({ input: child.stdout }).on('line', (text) => {
    let line: LogLine;
    try {
      line = JSON.parse(text) as LogLine;
    } catch {
      line = { msg: text };
    }
    lines.push(line);
    for (const w of waiters.filter((w) => w.match(line))) w.resolve(line);
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const waitFor = (msg: string, timeoutMs = 15_000) =>
    new Promise<LogLine>((resolve, reject) => {
      const found = lines.find((l) => l.msg === msg);
      if (found) return resolve(found);
      const timer = setTimeout(
        () => reject(new Error(`no "${msg}" log line within ${timeoutMs} ms; stderr: ${stderr}`)),
        timeoutMs,
      );
      waiters.push({ match: (l) => l.msg === msg, resolve: (l) => (clearTimeout(timer), resolve(l)) });
    });
  return { child: child as ChildProcessWithoutNullStreams, lines, exited, waitFor, stderr: () => stderr };
}

describe('compute-image process', () => {
  it('exits with a message naming a bad variable', async () => {
    const app = start({ COMPUTE_IMAGE_PORT: 'fifty' });
    expect(await app.exited).toBe(1);
    expect(app.stderr()).toContain('COMPUTE_IMAGE_PORT');
    expect(app.stderr()).toContain('"fifty"');
  });

  it('on SIGTERM finishes the call in flight, refuses new ones and exits 0', async () => {
    const app = start({});
    try {
      const ready = await app.waitFor('compute-image listening');
      const client = new computeV1.ComputeServiceClient(
        String(ready['address']),
        credentials.createInsecure(),
      );
      const metricsUrl = `http://127.0.0.1:${String(ready['metricsPort'])}/metrics`;
      const jpeg = await testCard(1920, 1080, 'jpeg');
      const inFlight = new Promise<computeV1.ApplyResponse>((resolve, reject) =>
        client.apply(
          computeV1.ApplyRequest.fromPartial({
            partId: 'pre.blur',
            parametersJson: '{"sigma":40}',
            inputs: [imageInput('image', jpeg)],
          }),
          (error, response) => (error ? reject(error) : resolve(response)),
        ),
      );
      // SIGTERM only once the server is computing the call.
      for (let i = 0; i < 500; i++) {
        if (/imageflow_compute_apply_running\{[^}]*\} 1/.test(await (await fetch(metricsUrl)).text())) break;
        await new Promise((r) => setTimeout(r, 5));
      }
      app.child.kill('SIGTERM');
      const stopping = await app.waitFor('compute-image shutting down');
      expect(stopping['inFlight']).toEqual({ running: 1, queued: 0 });

      const later = await new Promise<ServiceError | null>((resolve) =>
        client.describe({}, new Metadata(), { deadline: Date.now() + 2000 }, (error) => resolve(error)),
      );
      expect(later).not.toBeNull();

      const response = await inFlight;
      expect(outputOf(response, 'image', 'image')).toMatchObject({ width: 1920, height: 1080 });
      expect(await app.exited).toBe(0);
      expect(app.lines.map((l) => l.msg)).toContain('compute-image stopped');
      client.close();
    } finally {
      if (app.child.exitCode === null) app.child.kill('SIGKILL');
    }
  });
});
