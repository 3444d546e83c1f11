// The built app as operators run it (node dist/.../main.js): config errors, a model switch while it runs, SIGTERM.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { credentials, Metadata } from '@grpc/grpc-js';
import { computeV1 } from '@imageflow/contracts/grpc';
import {
  MODELS,
  photo,
  publishModel,
  removeBucket,
  requireModel,
  uniqueBucket,
} from '@imageflow/inference/testing';
import { afterAll, describe, expect, it } from 'vitest';

const repoRoot = join(__dirname, '..', '..', '..');
const mainJs = join(repoRoot, 'dist', 'apps', 'compute-ai', 'apps', 'compute-ai', 'src', 'main.js');

interface LogLine {
  msg?: string;
  [key: string]: unknown;
}

function start(env: Record<string, string>) {
  if (!existsSync(mainJs)) throw new Error(`${mainJs} is missing: run nx run compute-ai:build`);
  const child = spawn(process.execPath, [mainJs], {
    env: {
      ...process.env,
      COMPUTE_AI_PORT: '0',
      COMPUTE_AI_METRICS_PORT: '0',
      COMPUTE_AI_INTRA_OP_THREADS: '1',
      LOG_LEVEL: 'info',
      ...env,
    },
  });
  const lines: LogLine[] = [];
  createInterface({ input: child.stdout }).on('line', (text) => {
    try {
      lines.push(JSON.parse(text) as LogLine);
    } catch {
      lines.push({ msg: text });
    }
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const waitFor = async (msg: string, timeoutMs = 20_000) => {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const found = lines.find((l) => l.msg === msg);
      if (found) return found;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`no "${msg}" log line within ${timeoutMs} ms; stderr: ${stderr}`);
  };
  return { child, lines, exited, waitFor, stderr: () => stderr };
}

describe('compute-ai process', () => {
  const bucket = uniqueBucket('test-compute-ai-main');
  afterAll(() => removeBucket(bucket));

  it('exits with a message naming a bad variable', async () => {
    const app = start({ COMPUTE_AI_BATCH_MAX_SIZE: 'lots' });
    expect(await app.exited).toBe(1);
    expect(app.stderr()).toContain('COMPUTE_AI_BATCH_MAX_SIZE');
    expect(app.stderr()).toContain('"lots"');
  });

  it('serves a newly published model version without restarting, then stops cleanly on SIGTERM', async () => {
    const env = { MODELS_BUCKET: bucket };
    await publishModel(requireModel(MODELS.personDetector.id, MODELS.personDetector.version), {
      bucket,
      env,
      id: 'station-3',
      version: '2026.11.1',
    });
    const app = start({ MODELS_BUCKET: bucket, COMPUTE_AI_MODEL_REFRESH_MS: '250' });
    try {
      const ready = await app.waitFor('compute-ai listening');
      const client = new computeV1.ComputeServiceClient(
        String(ready['address']),
        credentials.createInsecure(),
      );
      const coffee = await readFile(photo('coffee.png'));
      const detect = () =>
        new Promise<computeV1.ApplyResponse>((resolve, reject) =>
          client.apply(
            computeV1.ApplyRequest.fromPartial({
              partId: 'ai.detect',
              parametersJson: '{"model":"station-3"}',
              inputs: [
                {
                  port: 'image',
                  kind: computeV1.PortKind.IMAGE,
                  value: {
                    $case: 'image',
                    value: { data: coffee, contentType: 'image/png', width: 0, height: 0 },
                  },
                },
              ],
            }),
            new Metadata(),
            { deadline: Date.now() + 30_000 },
            (error, response) => (error ? reject(error) : resolve(response)),
          ),
        );
      const modelOf = (r: computeV1.ApplyResponse) => {
        const v = r.outputs.find((o) => o.port === 'model')?.value;
        return v?.$case === 'text' ? v.value : undefined;
      };
      const labelsOf = (r: computeV1.ApplyResponse) => {
        const v = r.outputs.find((o) => o.port === 'detections')?.value;
        return v?.$case === 'detections' ? v.value.items.map((d) => d.label) : [];
      };
      const first = await detect();
      expect(modelOf(first)).toBe('station-3@2026.11.1');
      expect(labelsOf(first)).not.toContain('cup');

      await publishModel(requireModel(MODELS.cocoDetector.id, MODELS.cocoDetector.version), {
        bucket,
        env,
        id: 'station-3',
        version: '2026.11.2',
      });
      let latest = first;
      for (let i = 0; i < 50 && modelOf(latest) !== 'station-3@2026.11.2'; i++) {
        await new Promise((r) => setTimeout(r, 100));
        latest = await detect();
      }
      expect(modelOf(latest)).toBe('station-3@2026.11.2');
      expect(labelsOf(latest)[0]).toBe('cup');
      expect(app.child.exitCode).toBeNull(); // the same process, never restarted
      expect(app.lines.some((l) => l.msg === 'model version switched' && l['to'] === '2026.11.2')).toBe(true);
      client.close();

      app.child.kill('SIGTERM');
      expect(await app.exited).toBe(0);
      expect(app.lines.some((l) => l.msg === 'compute-ai stopped')).toBe(true);
    } finally {
      if (app.child.exitCode === null) app.child.kill('SIGKILL');
    }
  });
});
