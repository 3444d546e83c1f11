// `imageflow ingest` (the built CLI) against the built gateway as a child process on the real stack.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderLabelJpeg } from '../simulate/label-render.adapter';
import { createGatewayProcess, runCli, type GatewayProcess } from '../testing/gateway-process';
import type { SimulateSummary } from '../simulate/simulate.command';
import type { IngestSummary } from './ingest.command';

describe('imageflow ingest <dir>', () => {
  let gateway: GatewayProcess;
  let dir: string;
  let key: string;
  const camera = `cam-ingest-${Date.now().toString(36)}`;

  beforeAll(async () => {
    gateway = await createGatewayProcess();
    await gateway.start();
    key = await gateway.adminKey();
    dir = await mkdtemp(join(tmpdir(), 'cli-ingest-'));
    for (let i = 1; i <= 5; i++) {
      const serial = `SN-${String(i).padStart(6, '0')}`;
      await writeFile(
        join(dir, `${serial}.jpg`),
        await renderLabelJpeg({ lot: 'LOT-IT', serial, stamp: `${camera} ${i}` }),
      );
    }
    await writeFile(join(dir, 'notes.txt'), 'not an image: skipped');
  });

  afterAll(async () => {
    await gateway?.dispose();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const ingest = (...extra: string[]) =>
    runCli([
      'ingest',
      dir,
      '--camera',
      camera,
      '--lot',
      'LOT-IT',
      '--serial-from-filename',
      '--gateway',
      gateway.url,
      '--key',
      key,
      ...extra,
    ]);

  it('uploads 5 images as new, then reports the same 5 as duplicates', async () => {
    const first = await ingest('--json');
    expect(first.code, first.stderr).toBe(0);
    const summary = JSON.parse(first.stdout) as IngestSummary;
    expect(summary).toMatchObject({ files: 5, new: 5, duplicate: 0, failed: 0 });
    expect(new Set(summary.results.map((r) => r.imageId)).size).toBe(5);

    const second = await ingest('--json', '--concurrency', '2');
    expect(second.code, second.stderr).toBe(0);
    const again = JSON.parse(second.stdout) as IngestSummary;
    expect(again).toMatchObject({ files: 5, new: 0, duplicate: 5, failed: 0 });
    // The same image ids and the first upload's event ids: nothing new was produced.
    expect(again.results.map((r) => [r.imageId, r.eventId])).toEqual(
      summary.results.map((r) => [r.imageId, r.eventId]),
    );

    expect(await gateway.countImageEvents()).toBe(5);
    expect(await gateway.metric('imageflow_ingest_images_total', { camera_id: camera })).toBe(5);
    expect(await gateway.metric('imageflow_ingest_duplicates_total', { camera_id: camera })).toBe(5);
  });

  it('prints a human summary, and failures with their reasons (exit 1)', async () => {
    await writeFile(join(dir, 'broken.png'), Buffer.from('this is not a png'));
    try {
      const result = await ingest();
      expect(result.code).toBe(1);
      expect(result.stdout).toContain('6 file(s)');
      expect(result.stdout).toContain('0 new, 5 duplicate, 1 failed');
      expect(result.stdout).toMatch(/failed {2}broken\.png: the gateway refused the request \(4\d\d\)/);
    } finally {
      await rm(join(dir, 'broken.png'));
    }
  });

  it('says when the key is refused or the gateway cannot be reached', async () => {
    const refused = await runCli([
      'ingest',
      dir,
      '--camera',
      camera,
      '--gateway',
      gateway.url,
      '--key',
      'not-a-key',
    ]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('imageflow: the API key was refused (401)');

    const nowhere = await runCli(['runs', '--gateway', 'http://127.0.0.1:9', '--key', key]);
    expect(nowhere.code).toBe(1);
    expect(nowhere.stderr).toContain('imageflow: cannot reach the gateway at http://127.0.0.1:9');
  });

  it('camera simulate renders labels at the given rate, with the asked share of bad serials', async () => {
    const simCamera = `${camera}-sim`;
    const result = await runCli([
      'camera',
      'simulate',
      '--camera',
      simCamera,
      '--count',
      '6',
      '--rate',
      '10',
      '--bad-ratio',
      '0.5',
      '--lot',
      'LOT-SIM',
      '--json',
      '--gateway',
      gateway.url,
      '--key',
      key,
    ]);
    expect(result.code, result.stderr).toBe(0);
    const summary = JSON.parse(result.stdout) as SimulateSummary;
    expect(summary).toMatchObject({ sent: 6, new: 6, duplicate: 0, failed: 0, bad: 3 });
    // 6 captures at 10/s are scheduled over 0.5 s: not faster than asked.
    expect(summary.seconds).toBeGreaterThanOrEqual(0.5);
    expect(await gateway.metric('imageflow_ingest_images_total', { camera_id: simCamera })).toBe(6);

    // Real images instead of labels: the 5 files cycled, so the 6th is a duplicate of the 1st.
    const real = await runCli([
      'camera',
      'simulate',
      '--camera',
      simCamera,
      '--count',
      '6',
      '--rate',
      '50',
      '--images',
      dir,
      '--json',
      '--gateway',
      gateway.url,
      '--key',
      key,
    ]);
    expect(real.code, real.stderr).toBe(0);
    expect(JSON.parse(real.stdout)).toMatchObject({ sent: 6, new: 0, duplicate: 6, failed: 0 });
  });

  it('queries runs as JSON and as a table', async () => {
    const json = await runCli([
      'runs',
      '--camera',
      camera,
      '--limit',
      '5',
      '--json',
      '--gateway',
      gateway.url,
      '--key',
      key,
    ]);
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual({ items: [], nextCursor: null }); // no orchestrator in this test: no runs

    const table = await runCli(['runs', '--status', 'completed', '--gateway', gateway.url, '--key', key]);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toContain('no runs match');

    const missing = await runCli(['runs', 'show', 'no-such-run', '--gateway', gateway.url, '--key', key]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/the gateway refused the request \(4\d\d\)/);
  });
});
