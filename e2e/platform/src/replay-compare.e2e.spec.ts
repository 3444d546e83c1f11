// Issue 5, must show: "Replay of a window of 200 captures through a second version → 200 new runs tagged with the
// replay, and the compare endpoint reports the expected differences." The whole system on the local stack.
//
// Version 1 judges every capture OK (mean luma anywhere in 0…255); version 2 only captures whose mean luma is at most
// 128. Half the captures are dark (luma ≈ 40) and half bright (luma ≈ 200), so the replay through version 2 must turn
// exactly the bright ones OK → NG and leave the dark ones unchanged.
import { validateDefinition, type PipelineDefinition } from '@imageflow/pipeline';
import { sha256Hex } from '@imageflow/storage';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, jsonRequest, Platform, uniqueName } from './platform';

const N = 200;

function definition(versions: Map<string, string>, maxMeanLuma: number): PipelineDefinition {
  const part = (id: string) => ({ id, version: versions.get(id) ?? 'missing' });
  return {
    nodes: [
      { id: 'resize', part: part('pre.resize'), parameters: { width: 64 } },
      { id: 'brightness', part: part('post.measure-brightness'), parameters: {} },
      {
        id: 'judge',
        part: part('post.judge'),
        parameters: {
          rules: [{ type: 'measurement-range', name: 'luma_mean', min: 0, max: maxMeanLuma }],
        },
      },
    ],
    edges: [
      { from: { node: 'source', port: 'image' }, to: { node: 'resize', port: 'image' } },
      { from: { node: 'resize', port: 'image' }, to: { node: 'brightness', port: 'image' } },
      { from: { node: 'brightness', port: 'measurements' }, to: { node: 'judge', port: 'measurements' } },
    ],
  };
}

/** A lossless grey capture of tone `tone` that no other capture shares: a small mark whose place depends on `seed`. */
async function capturePng(tone: number, seed: number): Promise<Buffer> {
  const width = 120;
  const height = 90;
  const pixels = Buffer.alloc(width * height, tone);
  const x0 = seed % (width - 4);
  const y0 = Math.floor(seed / (width - 4)) % (height - 4);
  for (let y = y0; y < y0 + 4; y++) for (let x = x0; x < x0 + 4; x++) pixels[y * width + x] = tone + 12;
  return sharp(pixels, { raw: { width, height, channels: 1 } })
    .png()
    .toBuffer();
}

interface Replay {
  id: string;
  status: string;
  matched: number;
  started: number;
  scanComplete: boolean;
  runs: { total: number; queued: number; running: number; completed: number; failed: number };
}
interface CompareItem {
  imageId: string;
  outcome: string;
  baseline: { verdict: string | null; pipelineVersion: string | null } | null;
  replay: { verdict: string | null; pipelineVersion: string | null; runId: string };
  differences: { verdict: boolean };
}
interface ComparePage {
  items: CompareItem[];
  nextCursor: string | null;
  totals: {
    images: number;
    okToNg: number;
    ngToOk: number;
    unchanged: number;
    changed: number;
    missingBaseline: number;
    pending: number;
  };
}
interface Run {
  id: string;
  imageId: string | null;
  status: string;
  pipelineVersion: string | null;
  trigger: string | null;
  replayId: string | null;
  verdict: string | null;
}

describe('platform: replay of 200 captures through a second version, and compare', () => {
  const platform = new Platform();
  let failed = false;

  beforeAll(async () => {
    try {
      await platform.start();
    } catch (error) {
      failed = true;
      throw new Error(`${String(error)}\n${platform.tails()}`);
    }
  });

  afterAll(async () => {
    if (failed) process.stderr.write(`\n${platform.tails()}\n`);
    await platform.stop();
  });

  const runs = (query: string): Promise<Run[]> => platform.runs<Run>(query);

  it(`replays ${N} captures through version 2: ${N} new runs tagged with the replay; compare says exactly the bright ones went OK → NG`, async () => {
    try {
      const catalog = await platform.describeCatalog();
      const versions = new Map([...catalog.values()].map((p) => [p.id, p.version]));
      const v1Definition = definition(versions, 255);
      const v2Definition = definition(versions, 128);
      expect(validateDefinition(v1Definition, catalog).issues).toEqual([]);
      expect(validateDefinition(v2Definition, catalog).issues).toEqual([]);

      // Version 1, active and bound to the camera.
      const cameraId = uniqueName('cam-e2e-replay');
      const { pipelineId, version: v1 } = await platform.deploy(
        `e2e replay ${platform.names.id}`,
        v1Definition,
        cameraId,
      );

      // 200 captures in the window, then one more after it that the replay must leave out. A capture runs the
      // version active at its capture time, so they are taken now (the gateway stamps the time it received them).
      const bright = new Set<string>();
      const all = new Set<string>();
      const send = async (png: Buffer): Promise<string> => {
        const response = await platform.request(`/api/v1/images?cameraId=${cameraId}&lot=LOT-REPLAY`, {
          method: 'POST',
          body: png,
          headers: { 'content-type': 'image/png' },
        });
        if (response.status !== 201) throw new Error(`ingest: ${response.status} ${await response.text()}`);
        return sha256Hex(png);
      };
      const from = new Date(Date.now() - 1_000).toISOString();
      const queue = Array.from({ length: N }, (_, i) => i);
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          for (let i = queue.shift(); i !== undefined; i = queue.shift()) {
            const isBright = i % 2 === 1;
            const id = await send(await capturePng(isBright ? 200 : 40, i));
            all.add(id);
            if (isBright) bright.add(id);
          }
        }),
      );
      expect(all.size).toBe(N);
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      const to = new Date(Date.now() - 500).toISOString();
      const outside = await send(await capturePng(201, 0));

      // Every capture ran through version 1 and was judged OK.
      const originals = await eventually(
        `${N + 1} runs of version 1 completed`,
        async () => {
          platform.assertAlive();
          const found = await runs(`cameraId=${cameraId}`);
          const bad = found.find((r) => r.status === 'failed');
          if (bad) throw new Error(`run ${bad.id} failed: ${JSON.stringify(bad)}`);
          return found.length === N + 1 && found.every((r) => r.status === 'completed') ? found : undefined;
        },
        240_000,
        1_000,
      );
      expect(new Set(originals.map((r) => r.pipelineVersion))).toEqual(new Set([v1]));
      expect(originals.every((r) => r.verdict === 'OK')).toBe(true);

      // Version 2 (not activated: a replay names its target itself).
      const created = await platform.request(
        `/api/v1/pipelines/${pipelineId}/versions`,
        jsonRequest('POST', { definition: v2Definition, message: 'only dark captures pass' }),
      );
      expect(created.status, await created.clone().text()).toBe(201);
      const { version: v2 } = (await created.json()) as { version: string };
      expect(v2).not.toBe(v1);
      await eventually('version 2 visible', async () =>
        (await platform.request(`/api/v1/pipelines/${pipelineId}/versions/${encodeURIComponent(v2)}`)).ok
          ? true
          : undefined,
      );

      const t0 = Date.now();
      const requested = await platform.request(
        '/api/v1/replays',
        jsonRequest('POST', {
          pipelineId,
          targetVersion: v2,
          filter: { from, to, cameraIds: [cameraId] },
        }),
      );
      expect(requested.status, await requested.clone().text()).toBe(202);
      const { replayId } = (await requested.json()) as { replayId: string };

      const replay = await eventually(
        'replay completed with every run done',
        async () => {
          platform.assertAlive();
          const r = await platform.json<Replay>(`/api/v1/replays/${replayId}`);
          if (r.status === 'failed' || r.status === 'cancelled') throw new Error(JSON.stringify(r));
          return r.status === 'completed' && r.runs.completed === N ? r : undefined;
        },
        240_000,
        1_000,
      );
      const elapsedS = (Date.now() - t0) / 1000;
      expect(replay).toMatchObject({ matched: N, started: N, scanComplete: true });
      expect(replay.runs).toMatchObject({ total: N, completed: N, failed: 0, queued: 0, running: 0 });

      // 200 new runs, tagged with the replay, of version 2, one per capture in the window.
      const replayed = await runs(`replayId=${replayId}`);
      replayed.forEach((r) => platform.trackRun(r.id));
      originals.forEach((r) => platform.trackRun(r.id));
      expect(replayed).toHaveLength(N);
      for (const run of replayed) {
        expect(run).toMatchObject({ replayId, trigger: 'REPLAY', pipelineVersion: v2, status: 'completed' });
      }
      expect(new Set(replayed.map((r) => r.imageId))).toEqual(all);
      expect(replayed.some((r) => r.imageId === outside)).toBe(false);
      expect(new Set(replayed.map((r) => r.id)).size).toBe(N);
      const originalIds = new Set(originals.map((r) => r.id));
      expect(replayed.some((r) => originalIds.has(r.id))).toBe(false);

      // Compare: every page, totals and per image.
      const items: CompareItem[] = [];
      let totals: ComparePage['totals'] | undefined;
      let cursor: string | null = null;
      do {
        const page: ComparePage = await platform.json(
          `/api/v1/replays/${replayId}/compare?limit=50${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        );
        items.push(...page.items);
        totals = page.totals;
        cursor = page.nextCursor;
      } while (cursor);
      expect(totals).toEqual({
        images: N,
        okToNg: N / 2,
        ngToOk: 0,
        unchanged: N / 2,
        changed: 0,
        missingBaseline: 0,
        pending: 0,
      });
      expect(items).toHaveLength(N);
      for (const item of items) {
        const isBright = bright.has(item.imageId);
        expect(item.outcome, item.imageId).toBe(isBright ? 'okToNg' : 'unchanged');
        expect(item.baseline).toMatchObject({ verdict: 'OK', pipelineVersion: v1 });
        expect(item.replay).toMatchObject({ verdict: isBright ? 'NG' : 'OK', pipelineVersion: v2 });
        expect(item.differences.verdict).toBe(isBright);
      }
      process.stdout.write(
        `\n[platform e2e] replay: ${N} captures through version 2 in ${elapsedS.toFixed(1)} s ` +
          `(${(N / elapsedS).toFixed(2)} runs/s); compare: ${totals?.okToNg} OK→NG, ${totals?.unchanged} unchanged\n`,
      );
    } catch (error) {
      failed = true;
      throw error;
    }
  }, 600_000);
});
