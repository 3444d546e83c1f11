// End-to-end benchmark of the demo pipeline (resize → text detection → text recognition → crop → serial-format
// judgement → annotate; tools/scripts/seed-demo.mjs) against its in-process ceiling, in the same run, on the same
// label images:
//   - ceiling: the same parts called directly in this one process — image parts through @imageflow/image-ops'
//     ImageOps.apply and AI parts through @imageflow/inference's createAiParts, the very code compute-image and
//     compute-ai serve — outputs handed from node to node in memory;
//   - end to end: the whole system on the local stack (e2e/platform/src/platform.ts with compute-ai): captures posted
//     to the gateway, runs started by the orchestrator, steps through Kafka, both stage workers and compute services,
//     outputs in S3, read models written by the projector and read back over REST.
// Prints images/s for both, the ratio, and p50/p95/p99 latency: ceiling = one image through the DAG; end to end =
// from the ingest request to the run seen completed in the read model (GET /api/v1/runs, polled every 200 ms).
//
//   bash tools/models/install.sh
//   npx nx run-many -t build -p compute-image compute-ai stage-worker orchestrator projector gateway
//   eval "$(bash tools/stack/stack.sh env)"
//   npx vitest run --config tools/bench/pipeline/vitest.config.mts
//
// Env: BENCH_IMAGES (60 labels per path), BENCH_CONCURRENCY (4 images in flight in process, and 4 ingest requests
//      in flight end to end), BENCH_BAD_EVERY (every 10th label has a malformed serial), BENCH_PACED_IMAGES (20) and
//      BENCH_PACED_RATE (0.5/s): a second system phase below capacity, whose latency is the pipeline's own.
// Numbers depend on what else the machine runs: the load average is printed with them.
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { computeV1 } from '@imageflow/contracts/grpc';
import { ImageOps } from '@imageflow/image-ops';
import { createAiParts, createInference, DirectoryModelSource, type AiPart } from '@imageflow/inference';
import { modelCacheDir, renderLabel } from '@imageflow/inference/testing';
import type { PipelineDefinition } from '@imageflow/pipeline';
import { sha256Hex } from '@imageflow/storage';
import { expect, it } from 'vitest';
import { eventually, Platform, repoRoot, uniqueName } from '../../../e2e/platform/src/platform';

const num = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const IMAGES = num('BENCH_IMAGES', 60);
const CONCURRENCY = num('BENCH_CONCURRENCY', 4);
const BAD_EVERY = num('BENCH_BAD_EVERY', 10);
const PACED_IMAGES = num('BENCH_PACED_IMAGES', 20);
const PACED_RATE = num('BENCH_PACED_RATE', 0.5);

interface Label {
  jpeg: Buffer;
  serial: string;
  bad: boolean;
}

/** Product labels like the simulated demo camera's: maker, lot and serial; every BAD_EVERY-th serial malformed. */
async function labels(count: number, offset: number): Promise<Label[]> {
  return Promise.all(
    Array.from({ length: count }, async (_, k) => {
      const i = offset + k;
      const bad = BAD_EVERY > 0 && i % BAD_EVERY === BAD_EVERY - 1;
      const serial = bad
        ? `SN-${String(10_000 + i).slice(-5)}`
        : `SN-${String(200_000 + i).padStart(6, '0')}`;
      const jpeg = await renderLabel(['ACME PRECISION PARTS', `LOT A7-${3000 + (i % 50)}`, serial], {
        format: 'jpeg',
        fontSize: 36,
      });
      return { jpeg, serial, bad };
    }),
  );
}

const quantile = (sorted: readonly number[], q: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
const summary = (ms: number[]) => {
  const sorted = [...ms].sort((a, b) => a - b);
  return { p50: quantile(sorted, 0.5), p95: quantile(sorted, 0.95), p99: quantile(sorted, 0.99) };
};

/** Runs `total` jobs with at most `concurrency` in flight; returns the wall time in ms. */
async function drive(total: number, concurrency: number, job: (i: number) => Promise<void>): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) await job(next++);
    }),
  );
  return performance.now() - started;
}

/** The demo definition exactly as `npm start` seeds it, each part pinned to the version the catalog serves. */
async function demoDefinition(versionOf: (partId: string) => string): Promise<PipelineDefinition> {
  const seed = (await import(join(repoRoot, 'tools', 'scripts', 'seed-demo.mjs'))) as {
    demoDefinition: PipelineDefinition;
  };
  const definition = structuredClone(seed.demoDefinition);
  for (const node of definition.nodes) node.part = { id: node.part.id, version: versionOf(node.part.id) };
  return definition;
}

/** Topological order of the definition's nodes ('source' is the capture). */
function topologicalOrder(definition: PipelineDefinition): string[] {
  const order: string[] = [];
  const done = new Set(['source']);
  const nodes = definition.nodes.map((n) => n.id);
  while (order.length < nodes.length) {
    const ready = nodes.filter(
      (id) =>
        !done.has(id) && definition.edges.filter((e) => e.to.node === id).every((e) => done.has(e.from.node)),
    );
    if (ready.length === 0) throw new Error('cycle in the demo definition');
    for (const id of ready) {
      order.push(id);
      done.add(id);
    }
  }
  return order;
}

/** The in-process ceiling: every node of the DAG, each as soon as its inputs are there, outputs kept in memory. */
function inProcessRunner(definition: PipelineDefinition, imageOps: ImageOps, aiParts: Map<string, AiPart>) {
  const order = topologicalOrder(definition);
  const nodeOf = new Map(definition.nodes.map((n) => [n.id, n]));
  return async (jpeg: Buffer): Promise<Map<string, computeV1.PortValue[]>> => {
    const outputs = new Map<string, computeV1.PortValue[]>([
      [
        'source',
        [
          {
            port: 'image',
            kind: computeV1.PortKind.IMAGE,
            value: { $case: 'image', value: { data: jpeg, contentType: 'image/jpeg', width: 0, height: 0 } },
          },
        ],
      ],
    ]);
    const running = new Map<string, Promise<void>>();
    const runNode = async (id: string): Promise<void> => {
      const incoming = definition.edges.filter((e) => e.to.node === id);
      await Promise.all(incoming.map((e) => running.get(e.from.node)));
      const inputs = incoming.map((e) => {
        const value = outputs.get(e.from.node)?.find((o) => o.port === e.from.port);
        if (!value) throw new Error(`${e.from.node}.${e.from.port} produced nothing for ${id}`);
        return { ...value, port: e.to.port };
      });
      const node = nodeOf.get(id);
      if (!node) throw new Error(`no node ${id}`);
      const ai = aiParts.get(node.part.id);
      const result = ai
        ? await ai.apply(inputs, node.parameters ?? {})
        : await imageOps.apply({
            partId: node.part.id,
            partVersion: node.part.version,
            parametersJson: JSON.stringify(node.parameters ?? {}),
            inputs,
          });
      outputs.set(id, result.outputs);
    };
    for (const id of order) running.set(id, runNode(id));
    await Promise.all(running.values());
    return outputs;
  };
}

const verdictOf = (outputs: Map<string, computeV1.PortValue[]>, node: string): string | null => {
  const value = outputs.get(node)?.find((o) => o.port === 'judgement')?.value;
  return value?.$case === 'judgement' ? (computeV1.Verdict[value.value.verdict] ?? null) : null;
};

it('demo pipeline: whole system against the in-process ceiling', async () => {
  const load = () =>
    loadavg()
      .map((l) => l.toFixed(2))
      .join(' ');
  const warmup = await labels(3, 10_000);
  const images = await labels(IMAGES, 0);
  expect(new Set(images.map((l) => sha256Hex(l.jpeg))).size).toBe(IMAGES);

  // ── ceiling: in process ─────────────────────────────────────────────────────────────────────────────────────
  const inference = createInference(new DirectoryModelSource(modelCacheDir()), {
    onnx: { intraOpThreads: 2 },
  });
  const aiParts = new Map(
    createAiParts(inference.service, {
      detectionModel: 'nanodet-m-coco',
      classificationModel: 'ppocr-mobile-v2-cls',
      textDetectionModel: 'ppocr-v4-det',
      textRecognitionModel: 'ppocr-v4-rec',
      textOrientationModel: 'ppocr-mobile-v2-cls',
    }).map((p) => [p.descriptor.id, p]),
  );
  const imageOps = new ImageOps();
  const versions = new Map(
    [...imageOps.describe(), ...[...aiParts.values()].map((p) => p.descriptor)].map((d) => [d.id, d.version]),
  );
  const localDefinition = await demoDefinition((id) => versions.get(id) ?? 'missing');
  const runLocal = inProcessRunner(localDefinition, imageOps, aiParts);
  for (const label of warmup) await runLocal(label.jpeg);
  const localVerdicts = new Map<string, string | null>();
  /** One pass of every image through the in-process DAG; the ceiling is the better of a pass before and after. */
  const measureLocal = async () => {
    const latency: number[] = [];
    const ms = await drive(IMAGES, CONCURRENCY, async (i) => {
      const label = images[i] as Label;
      const t0 = performance.now();
      const outputs = await runLocal(label.jpeg);
      latency.push(performance.now() - t0);
      localVerdicts.set(sha256Hex(label.jpeg), verdictOf(outputs, 'serial-check'));
    });
    return { rate: (IMAGES / ms) * 1000, latency };
  };
  const loadBefore = load();
  const localBefore = await measureLocal();

  // ── end to end: the whole system ────────────────────────────────────────────────────────────────────────────
  const platform = new Platform({ ai: true });
  let platformStopped = false;
  try {
    await platform.start();
    const catalog = await eventually(
      'AI and image parts in the catalog',
      async () => {
        const { parts } = await platform.json<{ parts: { id: string; version: string }[] }>('/api/v1/parts');
        return localDefinition.nodes.every((n) => parts.some((p) => p.id === n.part.id)) ? parts : undefined;
      },
      120_000,
      1_000,
    );
    const definition = await demoDefinition((id) => catalog.find((p) => p.id === id)?.version ?? 'missing');
    const cameraId = uniqueName('bench-cam');
    await platform.deploy(`bench demo ${platform.names.id}`, definition, cameraId);

    interface Run {
      id: string;
      imageId: string | null;
      status: string;
      verdict: string | null;
    }
    const runsOf = (): Promise<Run[]> => platform.runs<Run>(`cameraId=${cameraId}`);
    const ingest = async (label: Label): Promise<void> => {
      const response = await platform.request(`/api/v1/images?cameraId=${cameraId}&lot=BENCH`, {
        method: 'POST',
        body: label.jpeg,
        headers: { 'content-type': 'image/jpeg' },
      });
      if (response.status !== 201) throw new Error(`ingest: ${response.status} ${await response.text()}`);
    };
    const finished = (runs: Run[]) => runs.filter((r) => r.status === 'completed' || r.status === 'failed');

    // Warm-up: models loaded, topics and groups settled.
    for (const label of warmup) await ingest(label);
    await eventually(
      'warm-up runs finished',
      async () => (finished(await runsOf()).length === warmup.length ? true : undefined),
      300_000,
      500,
    );

    const sentAt = new Map<string, number>();
    const seenAt = new Map<string, number>();
    let polling = true;
    const poller = (async () => {
      while (polling) {
        const now = performance.now();
        for (const run of finished(await runsOf())) {
          if (run.imageId && !seenAt.has(run.imageId)) seenAt.set(run.imageId, now);
        }
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    })();
    const e2eStart = performance.now();
    await drive(IMAGES, CONCURRENCY, async (i) => {
      const label = images[i] as Label;
      sentAt.set(sha256Hex(label.jpeg), performance.now());
      await ingest(label);
    });
    await eventually(
      `${IMAGES} runs finished`,
      async () => {
        platform.assertAlive();
        return [...sentAt.keys()].every((id) => seenAt.has(id)) ? true : undefined;
      },
      900_000,
      500,
    );
    polling = false;
    await poller;
    const e2eMs = Math.max(...seenAt.values()) - e2eStart;
    const e2eRate = (IMAGES / e2eMs) * 1000;
    const e2eLatency = [...sentAt].map(([id, t]) => (seenAt.get(id) ?? NaN) - t);

    // Paced: one capture every 1/PACED_RATE s, below the system's capacity, so latency is the pipeline's own and not
    // time spent queueing behind earlier captures.
    const paced = await labels(PACED_IMAGES, 20_000);
    const pacedSent = new Map<string, number>();
    const pacedSeen = new Map<string, number>();
    const pacedWatch = async (): Promise<void> => {
      for (const run of finished(await runsOf())) {
        if (run.imageId && pacedSent.has(run.imageId) && !pacedSeen.has(run.imageId))
          pacedSeen.set(run.imageId, performance.now());
      }
    };
    let pacing = true;
    const pacedPoller = (async () => {
      while (pacing) {
        await pacedWatch();
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    })();
    for (const label of paced) {
      const next = performance.now() + 1000 / PACED_RATE;
      pacedSent.set(sha256Hex(label.jpeg), performance.now());
      await ingest(label);
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, next - performance.now())));
    }
    await eventually(
      `${PACED_IMAGES} paced runs finished`,
      async () => ([...pacedSent.keys()].every((id) => pacedSeen.has(id)) ? true : undefined),
      300_000,
      200,
    );
    pacing = false;
    await pacedPoller;
    const pacedLatency = [...pacedSent].map(([id, t]) => (pacedSeen.get(id) ?? NaN) - t);
    const runs = await runsOf();
    runs.forEach((r) => platform.trackRun(r.id));
    const measured = runs.filter((r) => r.imageId && sentAt.has(r.imageId));
    expect(runs.filter((r) => r.imageId && pacedSent.has(r.imageId) && r.status !== 'completed')).toEqual([]);
    const failed = measured.filter((r) => r.status !== 'completed');
    const agree = measured.filter((r) => r.verdict === localVerdicts.get(r.imageId ?? '')).length;
    const expectedNg = images.filter((l) => l.bad).length;
    const ng = measured.filter((r) => r.verdict === 'NG').length;

    platformStopped = true;
    await platform.stop();
    const localAfter = await measureLocal();
    const best = localAfter.rate > localBefore.rate ? localAfter : localBefore;
    const localRate = best.rate;
    const local = summary(best.latency);
    const e2e = summary(e2eLatency);
    const row = (name: string, rate: number, s: { p50: number; p95: number; p99: number }) =>
      `| ${name.padEnd(24)} | ${rate.toFixed(2).padStart(8)} | ${s.p50.toFixed(0).padStart(7)} | ${s.p95
        .toFixed(0)
        .padStart(7)} | ${s.p99.toFixed(0).padStart(7)} |`;
    process.stdout.write(
      [
        '',
        `[bench pipeline] ceiling passes: ${localBefore.rate.toFixed(2)} and ${localAfter.rate.toFixed(2)} images/s (best kept)`,
        `[bench pipeline] ${IMAGES} labels, ${CONCURRENCY} in flight, load average before ${loadBefore}, after ${load()}`,
        '| path                     | images/s |  p50 ms |  p95 ms |  p99 ms |',
        '| ------------------------ | -------- | ------- | ------- | ------- |',
        row('in process (ceiling)', localRate, local),
        row('whole system (ingest→RM)', e2eRate, e2e),
        row(`system, paced ${PACED_RATE}/s`, PACED_RATE, summary(pacedLatency)),
        `ratio whole system / ceiling: ${(e2eRate / localRate).toFixed(2)}`,
        `runs: ${measured.length} measured, ${failed.length} failed; NG ${ng} (labels made bad: ${expectedNg}); ` +
          `verdicts equal to the in-process ones: ${agree}/${measured.length}`,
        '',
      ].join('\n'),
    );
    expect(measured).toHaveLength(IMAGES);
    expect(failed).toEqual([]);
    // Replay determinism across the two paths: the same parts on the same bytes give the same verdicts.
    expect(agree).toBe(IMAGES);
  } finally {
    if (!platformStopped) await platform.stop();
    await inference.store.close();
  }
});
