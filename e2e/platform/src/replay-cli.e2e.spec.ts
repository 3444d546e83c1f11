// Issue 5, `imageflow replay`: the BUILT CLI against the whole platform. Six captures run through version 1 of a
// brightness check (every image OK); the CLI replays them through version 2 (bright images OK, dark ones NG), follows
// the replay to the end and prints the compare summary: 3 OK→NG, 3 unchanged.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { PipelineDefinition } from '@imageflow/pipeline';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, Platform, repoRoot, uniqueName } from './platform';

const cliMain = join(repoRoot, 'dist', 'apps', 'cli', 'apps', 'cli', 'src', 'main.js');

function runCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliMain, ...args], {
      cwd: repoRoot,
      env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '' },
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

/** resize → brightness → judge: OK while the mean luma is at least `minLuma`. */
function brightnessCheck(versions: Map<string, string>, minLuma: number): PipelineDefinition {
  const part = (id: string) => ({ id, version: versions.get(id) ?? 'missing' });
  return {
    nodes: [
      { id: 'resize', part: part('pre.resize'), parameters: { width: 64 } },
      { id: 'brightness', part: part('post.measure-brightness'), parameters: {} },
      {
        id: 'judge',
        part: part('post.judge'),
        parameters: { rules: [{ type: 'measurement-range', name: 'luma_mean', min: minLuma }] },
      },
    ],
    edges: [
      { from: { node: 'source', port: 'image' }, to: { node: 'resize', port: 'image' } },
      { from: { node: 'resize', port: 'image' }, to: { node: 'brightness', port: 'image' } },
      { from: { node: 'brightness', port: 'measurements' }, to: { node: 'judge', port: 'measurements' } },
    ],
  };
}

interface Summary {
  replay: { id: string; status: string; matched: number; runs: { total: number; completed: number } };
  baselineVersion: string | null;
  totals: Record<string, number>;
  changed: { imageId: string; outcome: string; differences: { verdict: boolean } }[];
}

describe('imageflow replay (built CLI) against the platform', () => {
  const platform = new Platform();
  const cameraId = uniqueName('cam-replay');
  let failed = false;
  let pipelineId = '';
  let v1 = '';
  let v2 = '';
  let from = '';
  let to = '';
  const dark = new Set<number>([1, 3, 5]);

  const post = (path: string, body?: unknown) =>
    platform.json<Record<string, string>>(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });

  beforeAll(async () => {
    try {
      if (!existsSync(cliMain)) throw new Error(`build the CLI first (nx run cli:build): ${cliMain}`);
      await platform.start();
      const catalog = await platform.describeCatalog();
      const versions = new Map([...catalog.values()].map((p) => [p.id, p.version]));
      const created = await post('/api/v1/pipelines', {
        name: `e2e replay cli ${platform.names.id}`,
        definition: brightnessCheck(versions, 0),
      });
      pipelineId = created['pipelineId'] as string;
      v1 = created['version'] as string;
      const visible = (v: string) =>
        eventually(`version ${v} visible`, async () =>
          (await platform.request(`/api/v1/pipelines/${pipelineId}/versions/${encodeURIComponent(v)}`)).ok
            ? true
            : undefined,
        );
      await visible(v1);
      const second = await post(`/api/v1/pipelines/${pipelineId}/versions`, {
        definition: brightnessCheck(versions, 128),
      });
      v2 = second['version'] as string;
      await visible(v2);
      await post(`/api/v1/pipelines/${pipelineId}/versions/${encodeURIComponent(v1)}/activate`);
      await eventually('v1 active', async () => {
        const p = await platform.json<{ activeVersion: { version: string } | null }>(
          `/api/v1/pipelines/${pipelineId}`,
        );
        return p.activeVersion?.version === v1 ? true : undefined;
      });
      const bound = await platform.request(`/api/v1/bindings/camera/${cameraId}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ pipelineId }),
      });
      expect(bound.status).toBe(202);
      await eventually('binding visible', async () => {
        const p = await platform.json<{ bindings: { targetId: string }[] }>(
          `/api/v1/pipelines/${pipelineId}`,
        );
        return p.bindings.some((b) => b.targetId === cameraId) ? true : undefined;
      });

      const t0 = Date.now();
      from = new Date(t0 - 60_000).toISOString();
      for (let i = 0; i < 6; i++) {
        const level = dark.has(i) ? 40 + i : 200 + i;
        const png = await sharp({
          create: { width: 96, height: 64, channels: 3, background: { r: level, g: level, b: level } },
        })
          .png()
          .toBuffer();
        const response = await platform.request(
          `/api/v1/images?cameraId=${cameraId}&capturedAt=${new Date(t0 + i).toISOString()}`,
          { method: 'POST', body: png, headers: { 'content-type': 'image/png' } },
        );
        expect(response.status, await response.clone().text()).toBe(201);
      }
      to = new Date(t0 + 60_000).toISOString();
      // The original runs (v1) must have finished: they are the baseline of the compare.
      await eventually(
        '6 original runs completed',
        async () => {
          platform.assertAlive();
          const page = await platform.json<{
            items: { id: string; status: string; verdict: string | null }[];
          }>(`/api/v1/runs?cameraId=${cameraId}`);
          page.items.forEach((r) => platform.trackRun(r.id));
          return page.items.length === 6 &&
            page.items.every((r) => r.status === 'completed' && r.verdict === 'OK')
            ? true
            : undefined;
        },
        120_000,
        500,
      );
    } catch (error) {
      failed = true;
      throw new Error(`${String(error)}\n${platform.tails()}`);
    }
  });

  afterAll(async () => {
    if (failed) process.stderr.write(`\n${platform.tails()}\n`);
    await platform.stop();
  });

  const replayArgs = (...extra: string[]) => [
    'replay',
    '--gateway',
    platform.gatewayUrl,
    '--key',
    platform.adminKey,
    '--pipeline',
    pipelineId,
    '--version',
    v2,
    '--from',
    from,
    '--to',
    to,
    '--camera',
    cameraId,
    '--poll-ms',
    '300',
    ...extra,
  ];

  it('replays the window through v2 and reports 3 OK→NG and 3 unchanged (--json)', async () => {
    try {
      const result = await runCli(replayArgs('--json'));
      expect(result.code, result.stderr).toBe(0);
      const summary = JSON.parse(result.stdout) as Summary;
      expect(summary.replay).toMatchObject({
        status: 'completed',
        matched: 6,
        runs: { total: 6, completed: 6 },
      });
      expect(summary.baselineVersion).toBeNull();
      expect(summary.totals).toEqual({
        images: 6,
        okToNg: 3,
        ngToOk: 0,
        unchanged: 3,
        changed: 0,
        missingBaseline: 0,
        pending: 0,
      });
      expect(summary.changed.map((c) => [c.outcome, c.differences.verdict])).toEqual([
        ['okToNg', true],
        ['okToNg', true],
        ['okToNg', true],
      ]);
      const runs = await platform.json<{ items: { id: string }[] }>(
        `/api/v1/runs?replayId=${summary.replay.id}`,
      );
      runs.items.forEach((r) => platform.trackRun(r.id));
    } catch (error) {
      failed = true;
      throw error;
    }
  });

  it('prints the same summary for a person, against an explicit baseline version', async () => {
    try {
      const result = await runCli(replayArgs('--compare-to', v1, '--show', '2'));
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).toMatch(/replay \S+ requested/);
      expect(result.stdout).toMatch(
        /replay \S+ completed: 6 capture\(s\) matched, 6 run\(s\) \(6 completed, 0 failed\)/,
      );
      expect(result.stdout).toContain(`compared with version ${v1.slice(0, 19)}`);
      expect(result.stdout).toMatch(/OK→NG\s+3\n/);
      expect(result.stdout).toMatch(/NG→OK\s+0\n/);
      expect(result.stdout).toMatch(/unchanged\s+3\n/);
      expect(result.stdout).toContain('first 2 changed image(s):');
      expect(result.stdout.match(/verdict OK → NG/g)).toHaveLength(2);
    } catch (error) {
      failed = true;
      throw error;
    }
  });

  it('refuses a window with from after to before calling the gateway (exit 2)', async () => {
    const result = await runCli(replayArgs().map((a) => (a === from ? to : a === to ? from : a)));
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--from must be before --to');
  });
});
