// Dynamic batching benchmark: images/s with batch size 1 against the batched path, in the same run, same
// model, same threads, same images. Calls @imageflow/inference in process (the ceiling compute-ai can reach).
//
//   bash tools/models/install.sh
//   npx vitest run --config tools/bench/inference/vitest.config.mts
//
// Env: BENCH_MODELS (ppocr-mobile-v2-cls,ssdlite-person), BENCH_IMAGES (64 requests per round),
//      BENCH_CONCURRENCY (16 in flight), BENCH_BATCH (8), BENCH_DELAY_MS (5), BENCH_THREADS (2 intra-op threads),
//      BENCH_ROUNDS (5 paired rounds; best img/s and the median ratio are printed). Classifiers get text-line crops, detectors photos (their natural inputs).
// Numbers depend on what else the machine runs: the load average is printed with them.
import { readFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import {
  createInference,
  DirectoryModelSource,
  planResize,
  SharpImageAdapter,
  toTensor,
  type ImageTensor,
} from '@imageflow/inference';
import { modelCacheDir, photo, renderLabel, requireModel } from '@imageflow/inference/testing';
import { expect, it } from 'vitest';

const num = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const MODELS = (process.env['BENCH_MODELS'] ?? 'ppocr-mobile-v2-cls,ssdlite-person')
  .split(',')
  .map((m) => m.trim());
const IMAGES = num('BENCH_IMAGES', 64);
const CONCURRENCY = num('BENCH_CONCURRENCY', 16);
const BATCH = num('BENCH_BATCH', 8);
const DELAY_MS = num('BENCH_DELAY_MS', 5);
const THREADS = num('BENCH_THREADS', 2);
const ROUNDS = num('BENCH_ROUNDS', 5);

/** Runs `total` jobs with at most `concurrency` in flight, like a stage worker pool calling compute-ai. */
async function drive(
  total: number,
  concurrency: number,
  job: (i: number) => Promise<unknown>,
): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) await job(next++);
    }),
  );
  return (total / (performance.now() - started)) * 1000;
}

it.each(MODELS)('batching benchmark (%s)', async (MODEL) => {
  const versions = JSON.parse(await readFile(`${modelCacheDir()}/${MODEL}/LATEST`, 'utf8')) as {
    version: string;
  };
  requireModel(MODEL, versions.version);

  const make = (maxBatchSize: number, sizes: number[]) =>
    createInference(
      new DirectoryModelSource(modelCacheDir()),
      {
        onnx: { intraOpThreads: THREADS },
        batching: { maxBatchSize, maxDelayMs: DELAY_MS, maxConcurrentBatches: 1 },
      },
      { onBatch: (_m, size) => sizes.push(size) },
    );
  const singleSizes: number[] = [];
  const batchedSizes: number[] = [];
  const single = make(1, singleSizes);
  const batched = make(BATCH, batchedSizes);

  // Model-only path: preprocessed tensors straight into the batching runner.
  const loadedSingle = await single.store.get(MODEL);
  const loadedBatched = await batched.store.get(MODEL);
  if (!loadedBatched.runner.batchable)
    throw new Error(`${MODEL} has a fixed batch dimension: pick a batchable model`);
  const task = loadedBatched.manifest.task;
  const photos =
    task === 'classification'
      ? await Promise.all(
          ['SN-20261128-0042', 'LOT-A7-3391', 'EXP 2027-03', 'QC PASS 7'].map((t, i) =>
            renderLabel([t], { tight: true, rotate180: i % 2 === 1 }),
          ),
        )
      : await Promise.all(
          (['astronaut.png', 'coffee.png', 'chelsea.png', 'motorcycle_left.png'] as const).map((p) =>
            readFile(photo(p)),
          ),
        );
  const images = new SharpImageAdapter({ maxPixels: 50_000_000 });
  const tensors: ImageTensor[] = [];
  for (const bytes of photos) {
    const decoded = await images.decode(bytes);
    const g = planResize(loadedBatched.manifest.input.resize, decoded);
    tensors.push(
      toTensor(
        await images.resize(decoded, g.contentWidth, g.contentHeight),
        g,
        loadedBatched.manifest.input,
      ),
    );
  }
  const endToEnd = (service: typeof single.service) => (i: number) => {
    const bytes = photos[i % photos.length] as Buffer;
    return task === 'classification'
      ? service.classify(bytes, { model: MODEL })
      : service.detect(bytes, { model: MODEL });
  };

  // Warm-up: first runs allocate arenas and pick kernels.
  await drive(8, 4, endToEnd(single.service));
  await drive(8, 8, endToEnd(batched.service));

  const rows: Array<Record<string, string | number>> = [];
  const measure = async (
    path: string,
    one: (i: number) => Promise<unknown>,
    many: (i: number) => Promise<unknown>,
  ) => {
    let best1 = 0;
    let bestN = 0;
    const ratios: number[] = [];
    // Paired rounds, alternating which path goes first: on a shared machine the load drifts, and a ratio of two
    // runs measured back to back is steadier than a ratio of two bests.
    for (let r = 0; r < ROUNDS; r++) {
      singleSizes.length = 0;
      batchedSizes.length = 0;
      let one1: number;
      let oneN: number;
      if (r % 2 === 0) {
        one1 = await drive(IMAGES, CONCURRENCY, one);
        oneN = await drive(IMAGES, CONCURRENCY, many);
      } else {
        oneN = await drive(IMAGES, CONCURRENCY, many);
        one1 = await drive(IMAGES, CONCURRENCY, one);
      }
      best1 = Math.max(best1, one1);
      bestN = Math.max(bestN, oneN);
      ratios.push(oneN / one1);
    }
    const median = [...ratios].sort((a, b) => a - b)[Math.floor(ratios.length / 2)] ?? NaN;
    const mean = batchedSizes.reduce((a, b) => a + b, 0) / Math.max(1, batchedSizes.length);
    rows.push({
      path,
      'batch=1 img/s (best)': Math.round(best1 * 10) / 10,
      [`batched<=${BATCH} img/s (best)`]: Math.round(bestN * 10) / 10,
      'ratio (median of paired rounds)': Math.round(median * 100) / 100,
      'ratio range': `${Math.min(...ratios).toFixed(2)}..${Math.max(...ratios).toFixed(2)}`,
      'mean batch': Math.round(mean * 10) / 10,
    });
    return { best1, bestN, mean };
  };

  const model = await measure(
    'model only',
    (i) => loadedSingle.runner.infer(tensors[i % tensors.length] as ImageTensor),
    (i) => loadedBatched.runner.infer(tensors[i % tensors.length] as ImageTensor),
  );
  await measure('end to end', endToEnd(single.service), endToEnd(batched.service));

  console.log(
    `\ndynamic batching, ${MODEL}@${versions.version}: ${IMAGES} requests/round, ${CONCURRENCY} in flight, ` +
      `${THREADS} intra-op threads, max delay ${DELAY_MS} ms, ${ROUNDS} paired rounds; ` +
      `load average ${loadavg()[0]?.toFixed(1)} on this machine`,
  );
  console.table(rows);

  expect(model.mean).toBeGreaterThan(1); // the batched path really batched
  await single.store.close();
  await batched.store.close();
});
