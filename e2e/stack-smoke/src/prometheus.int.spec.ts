import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Counter, Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, stack, uniqueName } from './stack-env';

interface VectorResult {
  metric: Record<string, string>;
  value: [number, string];
}

async function query(promql: string): Promise<VectorResult[]> {
  const url = new URL('/api/v1/query', stack.prometheusUrl);
  url.searchParams.set('query', promql);
  const response = await fetch(url);
  const body = (await response.json()) as { status: string; data: { result: VectorResult[] } };
  if (body.status !== 'success') throw new Error(`query failed: ${JSON.stringify(body)}`);
  return body.data.result;
}

describe('Prometheus scrapes a target the test exposes', () => {
  const registry = new Registry();
  const counter = new Counter({
    name: 'imageflow_smoke_images_total',
    help: 'Images seen by the smoke test',
    labelNames: ['camera'],
    registers: [registry],
  });
  const run = uniqueName('run');
  const targetFile = join(stack.prometheusTargetsDir, `${run}.json`);
  let server: Server;

  beforeAll(async () => {
    server = createServer(async (req, res) => {
      if (req.url !== '/metrics') return void res.writeHead(404).end();
      res.writeHead(200, { 'Content-Type': registry.contentType }).end(await registry.metrics());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    mkdirSync(stack.prometheusTargetsDir, { recursive: true });
    writeFileSync(
      targetFile,
      JSON.stringify([{ targets: [`127.0.0.1:${port}`], labels: { smoke_run: run } }]),
    );
  });

  afterAll(async () => {
    rmSync(targetFile, { force: true });
    await new Promise((resolve) => server.close(resolve));
  });

  it('discovers the target and stores the exposed value', async () => {
    counter.inc({ camera: 'line-1-cam-1' }, 42);
    const result = await eventually(
      async () => {
        const series = await query(`imageflow_smoke_images_total{smoke_run="${run}"}`);
        return series.length > 0 && series[0]?.value[1] === '42' ? series : undefined;
      },
      60_000,
      500,
    );
    expect(result[0]?.metric).toMatchObject({
      camera: 'line-1-cam-1',
      job: 'imageflow-dynamic',
      smoke_run: run,
    });

    const up = await query(`up{smoke_run="${run}"}`);
    expect(up[0]?.value[1]).toBe('1');
  });
});
