// Issue 5, must show: "A fan-out/fan-in pipeline completes for each of N captures; the read models show every node
// done." The whole system on the local stack: captures sent over HTTP to the gateway, runs started by the orchestrator,
// steps run by the stage worker on compute-image, read models written by the projector, read back over REST.
import { BUCKETS, type EventOf } from '@imageflow/contracts';
import { validateDefinition, type PipelineDefinition } from '@imageflow/pipeline';
import { sha256Hex } from '@imageflow/storage';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, Platform, uniqueName, type AppName } from './platform';

const N = 100;
const CRASH_N = 500;

/**
 * source → resize → ┬→ grayscale ───────────────────────┬→ annotate (image ← grayscale, detections + mask ← blobs)
 *                   └→ blur → measure-blobs ────────────┘
 * Fan-out after resize, fan-in at annotate (three inputs from two branches).
 */
function definitionWith(versions: Map<string, string>): PipelineDefinition {
  const part = (id: string) => ({ id, version: versions.get(id) ?? 'missing' });
  return {
    nodes: [
      { id: 'resize', part: part('pre.resize'), parameters: { width: 320 } },
      { id: 'gray', part: part('pre.grayscale'), parameters: {} },
      { id: 'blur', part: part('pre.blur'), parameters: {} },
      { id: 'blobs', part: part('post.measure-blobs'), parameters: {} },
      { id: 'annotate', part: part('post.annotate'), parameters: {} },
    ],
    edges: [
      { from: { node: 'source', port: 'image' }, to: { node: 'resize', port: 'image' } },
      { from: { node: 'resize', port: 'image' }, to: { node: 'gray', port: 'image' } },
      { from: { node: 'resize', port: 'image' }, to: { node: 'blur', port: 'image' } },
      { from: { node: 'blur', port: 'image' }, to: { node: 'blobs', port: 'image' } },
      { from: { node: 'gray', port: 'image' }, to: { node: 'annotate', port: 'image' } },
      { from: { node: 'blobs', port: 'detections' }, to: { node: 'annotate', port: 'detections' } },
      { from: { node: 'blobs', port: 'mask' }, to: { node: 'annotate', port: 'mask' } },
    ],
  };
}
const NODE_IDS = ['resize', 'gray', 'blur', 'blobs', 'annotate'];

/** A small JPEG no other capture has: a bright square whose place and tone depend on `i`, on a tinted ground. */
async function captureJpeg(seed: number): Promise<Buffer> {
  const width = 400;
  const height = 300;
  const pixels = Buffer.alloc(width * height * 3);
  const ground = [(seed * 37) % 120, (seed * 53) % 120, (seed * 71) % 120];
  const x0 = 20 + ((seed * 13) % 300);
  const y0 = 20 + ((seed * 7) % 200);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const inside = x >= x0 && x < x0 + 60 && y >= y0 && y < y0 + 60;
      const o = (y * width + x) * 3;
      pixels[o] = inside ? 250 : (ground[0] ?? 0);
      pixels[o + 1] = inside ? 240 - (seed % 40) : (ground[1] ?? 0);
      pixels[o + 2] = inside ? 230 : (ground[2] ?? 0);
    }
  }
  // The seed's bits as a strip of 4×4 black/white squares in the top row, so no two seeds give the same pixels.
  for (let bit = 0; bit < 16; bit++) {
    const value = (seed >> bit) & 1 ? 255 : 0;
    for (let y = 0; y < 4; y++)
      for (let x = bit * 4; x < bit * 4 + 4; x++)
        pixels.fill(value, (y * width + x) * 3, (y * width + x) * 3 + 3);
  }
  return sharp(pixels, { raw: { width, height, channels: 3 } })
    .jpeg({ quality: 85 })
    .toBuffer();
}

interface Run {
  id: string;
  imageId: string | null;
  status: string;
  startedAt: string;
  finishedAt: string | null;
  cameraId: string | null;
}
interface RunDetails extends Run {
  steps: {
    nodeId: string;
    status: string;
    attempts: number;
    outputs: { port: string; kind: string; object?: { bucket: string; key: string } | null }[] | null;
  }[];
}

const quantile = (sorted: number[], q: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;

describe('platform: fan-out / fan-in pipeline end to end', () => {
  const platform = new Platform();
  let pipelineId = '';
  let failed = false;

  /** Ingests `count` fresh captures for `cameraId`, `parallel` requests at a time; returns the image ids. */
  async function ingest(cameraId: string, seeds: number[], parallel = 8): Promise<string[]> {
    const ids: string[] = [];
    const queue = [...seeds];
    await Promise.all(
      Array.from({ length: parallel }, async () => {
        for (let seed = queue.shift(); seed !== undefined; seed = queue.shift()) {
          const jpeg = await captureJpeg(seed);
          const response = await platform.request(`/api/v1/images?cameraId=${cameraId}&lot=LOT-E2E`, {
            method: 'POST',
            body: jpeg,
            headers: { 'content-type': 'image/jpeg' },
          });
          if (response.status !== 201)
            throw new Error(`ingest ${seed}: ${response.status} ${await response.text()}`);
          ids.push(sha256Hex(jpeg));
        }
      }),
    );
    return ids;
  }

  const runsOf = (cameraId: string): Promise<Run[]> => platform.runs<Run>(`cameraId=${cameraId}`);

  async function allCompleted(cameraId: string, count: number, timeoutMs: number): Promise<Run[]> {
    return eventually(
      `${count} runs of ${cameraId} completed`,
      async () => {
        platform.assertAlive();
        const runs = await runsOf(cameraId);
        const bad = runs.find((r) => r.status === 'failed');
        if (bad)
          throw new Error(
            `run ${bad.id} failed: ${JSON.stringify(await platform.json(`/api/v1/runs/${bad.id}`))}`,
          );
        return runs.length === count && runs.every((r) => r.status === 'completed') ? runs : undefined;
      },
      timeoutMs,
      1_000,
    );
  }

  /** Every StepCompleted record of the run-events log, by `runId/nodeId`. */
  async function stepCompletions(): Promise<Map<string, EventOf<'StepCompleted'>[]>> {
    const byStep = new Map<string, EventOf<'StepCompleted'>[]>();
    for (const decoded of await platform.runEvents()) {
      if (decoded.type !== 'StepCompleted') continue;
      const key = `${decoded.event.envelope.runId}/${decoded.event.nodeId}`;
      byStep.set(key, [...(byStep.get(key) ?? []), decoded.event]);
    }
    return byStep;
  }

  const bindCamera = (cameraId: string): Promise<void> => platform.bindCamera(cameraId, pipelineId);

  beforeAll(async () => {
    try {
      await platform.start();
      // The definition is checked against the catalog compute-image itself describes, then saved over REST.
      const catalog = await platform.describeCatalog();
      const versions = new Map([...catalog.values()].map((p) => [p.id, p.version]));
      const definition = definitionWith(versions);
      const validation = validateDefinition(definition, catalog);
      expect(validation.issues).toEqual([]);
      ({ pipelineId } = await platform.deploy(`e2e fan-out/fan-in ${platform.names.id}`, definition));
    } catch (error) {
      failed = true;
      throw new Error(`${String(error)}\n${platform.tails()}`);
    }
  });

  afterAll(async () => {
    if (failed) process.stderr.write(`\n${platform.tails()}\n`);
    await platform.stop();
  });

  const track =
    <T>(fn: () => Promise<T>) =>
    async () => {
      try {
        return await fn();
      } catch (error) {
        failed = true;
        throw error;
      }
    };

  it(
    `${N} captures each complete the pipeline; every node is done in the read model, once`,
    track(async () => {
      const cameraId = uniqueName('cam-e2e');
      await bindCamera(cameraId);
      const t0 = Date.now();
      const imageIds = await ingest(
        cameraId,
        Array.from({ length: N }, (_, i) => i),
      );
      expect(new Set(imageIds).size).toBe(N);
      const runs = await allCompleted(cameraId, N, 150_000);
      const elapsedS = (Date.now() - t0) / 1000;
      runs.forEach((r) => platform.trackRun(r.id));
      expect(new Set(runs.map((r) => r.imageId))).toEqual(new Set(imageIds));

      // Every run's every node: done, with its outputs stored in processed-images.
      const latencies: number[] = [];
      for (const run of runs) {
        const details = await platform.json<RunDetails>(`/api/v1/runs/${run.id}`);
        expect(details.steps.map((s) => s.nodeId).sort()).toEqual([...NODE_IDS].sort());
        for (const step of details.steps) {
          expect(step.status, `${run.id}/${step.nodeId}`).toBe('completed');
          expect(step.outputs?.length, `${run.id}/${step.nodeId} outputs`).toBeGreaterThan(0);
        }
        const image = await platform.json<{ firstSeenAt: string }>(`/api/v1/images/${run.imageId}`);
        latencies.push(Date.parse(run.finishedAt ?? '') - Date.parse(image.firstSeenAt));
      }
      const sample = await platform.json<RunDetails>(`/api/v1/runs/${runs[0]?.id}`);
      for (const step of sample.steps) {
        for (const output of step.outputs ?? []) {
          if (!output.object) continue;
          expect(output.object.bucket).toBe(BUCKETS.processedImages);
          const stat = await platform.store.stat({ bucket: output.object.bucket, key: output.object.key });
          expect(stat, `${step.nodeId}.${output.port} stored`).toBeDefined();
        }
      }
      const annotated = sample.steps
        .find((s) => s.nodeId === 'annotate')
        ?.outputs?.find((o) => o.port === 'image');
      expect(annotated?.object).toBeTruthy();

      // Exactly one StepCompleted per run and node in the log.
      const completions = await stepCompletions();
      for (const run of runs) {
        for (const node of NODE_IDS)
          expect(completions.get(`${run.id}/${node}`)?.length, `${run.id}/${node}`).toBe(1);
      }

      latencies.sort((a, b) => a - b);
      process.stdout.write(
        `\n[platform e2e] ${N} captures × ${NODE_IDS.length} nodes in ${elapsedS.toFixed(1)} s: ` +
          `${(N / elapsedS).toFixed(2)} captures/s; ingest→completed p50 ${quantile(latencies, 0.5)} ms, ` +
          `p95 ${quantile(latencies, 0.95)} ms\n`,
      );
    }),
  );

  it(
    `orchestrator and stage worker killed with SIGKILL mid-way through ${CRASH_N} captures: all complete, no step twice`,
    track(async () => {
      const cameraId = uniqueName('cam-e2e-crash');
      await bindCamera(cameraId);
      const t0 = Date.now();
      const sending = ingest(
        cameraId,
        Array.from({ length: CRASH_N }, (_, i) => 10_000 + i),
      );
      // Wait until some runs are done, then kill both in the middle of the flow.
      await eventually(
        'first runs completed',
        async () =>
          (await runsOf(cameraId)).filter((r) => r.status === 'completed').length >= 20 ? true : undefined,
        120_000,
        500,
      );
      const victims: AppName[] = ['orchestrator', 'stage-worker'];
      await Promise.all(victims.map((app) => platform.kill(app)));
      const doneAtKill = (await runsOf(cameraId)).filter((r) => r.status === 'completed').length;
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      await Promise.all(victims.map((app) => platform.startApp(app)));
      await sending;
      const runs = await allCompleted(cameraId, CRASH_N, 420_000);
      runs.forEach((r) => platform.trackRun(r.id));
      // A work item redelivered after the crash may be answered again, but only by republishing the stored result:
      // the same event (same id, same outputs, timings and worker) — never a second computation of the step.
      const completions = await stepCompletions();
      let redelivered = 0;
      for (const run of runs) {
        for (const node of NODE_IDS) {
          const copies = completions.get(`${run.id}/${node}`) ?? [];
          expect(copies.length, `${run.id}/${node} completed`).toBeGreaterThanOrEqual(1);
          for (const copy of copies.slice(1))
            expect(copy, `${run.id}/${node} completed twice`).toEqual(copies[0]);
          redelivered += copies.length - 1;
        }
      }
      process.stdout.write(
        `\n[platform e2e] crash: ${CRASH_N} captures, SIGKILL at ${doneAtKill} runs completed, all done in ` +
          `${((Date.now() - t0) / 1000).toFixed(1)} s; ${redelivered} StepCompleted republished (same event) after restart\n`,
      );
    }),
    600_000,
  );
});
