// Issue 7, must show: after a load run through the real system, Prometheus holds non-empty series for every metric
// of item 1, every Grafana panel query returns data, and the lag rises when a stage worker stops and falls back to
// 0 when it restarts — in messages (kafka-exporter) and in images and seconds (the projector's pipeline lag).
//
// The BUILT apps run as child processes (e2e/platform's harness) plus compute-ai with a real model; their /metrics
// ports are registered with the stack's Prometheus as file_sd targets (job imageflow-dynamic, scraped every 2 s),
// labelled with this run's platform id so nothing another test runs is counted.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { credentials, Metadata } from '@grpc/grpc-js';
import { computeV1 } from '@imageflow/contracts/grpc';
import { MODELS, photo, publishModel, requireModel } from '@imageflow/inference/testing';
import type { PipelineDefinition } from '@imageflow/pipeline';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// The whole-system harness is test code shared by the e2e projects, not a library with an @imageflow entry.
// eslint-disable-next-line @nx/enforce-module-boundaries
import { eventually, freePort, Platform, stackEnv, tailOf } from '../../platform/src/platform';
import { dataPanels, intervalsFor, labelValuesOf, loadDashboards, substitute } from './grafana-dashboards';
import { labelValues, query, queryRange, scalar } from './prometheus-api';
import { stack } from './stack-env';

const LOAD_IMAGES = 30;
const FAILING_IMAGES = 5;
const LAG_IMAGES = 20;
/** The datasource's scrape interval (deploy/grafana provisioning timeInterval) for $__rate_interval. */
const SCRAPE_SECONDS = 5;

const targetsDir =
  process.env['PROMETHEUS_TARGETS_DIR'] ?? join(stack.repoRoot, '.imageflow', 'prometheus', 'targets');

/** A 400×300 JPEG no other capture has. */
async function captureJpeg(seed: number): Promise<Buffer> {
  const { width, height } = { width: 400, height: 300 };
  const pixels = Buffer.alloc(width * height * 3);
  for (let i = 0; i < pixels.length; i += 3) {
    const x = (i / 3) % width;
    pixels[i] = (x * 7 + seed * 31) % 256;
    pixels[i + 1] = (seed * 17) % 256;
    pixels[i + 2] = (x + seed) % 256;
  }
  return sharp(pixels, { raw: { width, height, channels: 3 } })
    .jpeg({ quality: 80 })
    .toBuffer();
}

interface Run {
  id: string;
  status: string;
}

describe('metrics, dashboards and lag over a load run', () => {
  const platform = new Platform();
  const id = platform.names.id;
  const targetsFile = join(targetsDir, `${id}.json`);
  const cameraA = `${id}.cam-a`;
  const cameraB = `${id}.cam-b`;
  const LINE_A = `${id}.line-1`;
  const LINE_B = `${id}.line-2`;
  let pipelineA = '';
  let pipelineB = '';
  let ai: ChildProcess | undefined;
  const aiLog = join(platform.logDir, 'compute-ai.log');
  let aiAddress = '';
  let loadStart = 0;
  let failed = false;

  /** Creates, activates and binds a pipeline; returns its id. */
  const deploy = async (name: string, definition: PipelineDefinition, cameraId: string): Promise<string> =>
    (await platform.deploy(name, definition, cameraId)).pipelineId;

  async function ingest(cameraId: string, lineId: string, seeds: number[]): Promise<void> {
    const queue = [...seeds];
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        for (let seed = queue.shift(); seed !== undefined; seed = queue.shift()) {
          const response = await platform.request(`/api/v1/images?cameraId=${cameraId}&lineId=${lineId}`, {
            method: 'POST',
            body: await captureJpeg(seed),
            headers: { 'content-type': 'image/jpeg' },
          });
          expect(response.status, await response.clone().text()).toBe(201);
        }
      }),
    );
  }

  const runsOf = (cameraId: string): Promise<Run[]> => platform.runs<Run>(`cameraId=${cameraId}`);

  async function runsFinished(cameraId: string, count: number, status: string): Promise<Run[]> {
    return eventually(
      `${count} runs of ${cameraId} ${status}`,
      async () => {
        platform.assertAlive();
        const runs = await runsOf(cameraId);
        runs.forEach((r) => platform.trackRun(r.id));
        return runs.length === count && runs.every((r) => r.status === status) ? runs : undefined;
      },
      150_000,
      1_000,
    );
  }

  /** ai.detect on compute-ai, `parallel` calls at once so its dynamic batching groups them. */
  async function detect(parallel: number): Promise<void> {
    const client = new computeV1.ComputeServiceClient(aiAddress, credentials.createInsecure());
    const image = await readFile(photo('coffee.png'));
    try {
      await Promise.all(
        Array.from(
          { length: parallel },
          () =>
            new Promise<void>((resolve, reject) =>
              client.apply(
                computeV1.ApplyRequest.fromPartial({
                  partId: 'ai.detect',
                  parametersJson: '{}',
                  inputs: [
                    {
                      port: 'image',
                      kind: computeV1.PortKind.IMAGE,
                      value: {
                        $case: 'image',
                        value: { data: image, contentType: 'image/png', width: 0, height: 0 },
                      },
                    },
                  ],
                }),
                new Metadata(),
                { deadline: Date.now() + 60_000 },
                (error) => (error ? reject(error) : resolve()),
              ),
            ),
        ),
      );
    } finally {
      client.close();
    }
  }

  /** Sum over this platform's series of `metric` (with extra matchers); undefined while Prometheus has none. */
  const sumOf = (metric: string, matchers = '') =>
    scalar(`sum(${metric}{platform="${id}"${matchers ? `, ${matchers}` : ''}})`);

  const exporterLag = () =>
    scalar(
      `sum(kafka_consumergroup_lag{job="kafka-exporter", consumergroup="${platform.names.groups.stageWorker}"})`,
    );
  const pipelineLag = (metric: 'images' | 'seconds') =>
    sumOf(`imageflow_pipeline_lag_${metric}`, `pipeline="${pipelineA}", stage="image", line="${LINE_A}"`);

  beforeAll(async () => {
    try {
      await platform.start();
      mkdirSync(platform.logDir, { recursive: true });
      // compute-ai with the COCO detector published into this platform's models bucket.
      const env = { ...stackEnv, MODELS_BUCKET: platform.names.modelsBucket };
      await publishModel(requireModel(MODELS.cocoDetector.id, MODELS.cocoDetector.version), {
        bucket: platform.names.modelsBucket,
        env,
      });
      const aiPort = await freePort();
      const aiMetricsPort = await freePort();
      aiAddress = `127.0.0.1:${aiPort}`;
      const main = join(stack.repoRoot, 'dist', 'apps', 'compute-ai', 'apps', 'compute-ai', 'src', 'main.js');
      if (!existsSync(main)) throw new Error(`build compute-ai first (nx run compute-ai:build): ${main}`);
      ai = spawn(process.execPath, [main], {
        env: {
          PATH: process.env['PATH'] ?? '',
          HOME: process.env['HOME'] ?? '',
          ...env,
          COMPUTE_AI_PORT: String(aiPort),
          COMPUTE_AI_METRICS_PORT: String(aiMetricsPort),
          COMPUTE_AI_INTRA_OP_THREADS: '1',
          COMPUTE_AI_BATCH_MAX_DELAY_MS: '50',
          LOG_LEVEL: 'info',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const log = createWriteStream(aiLog);
      ai.stdout?.pipe(log);
      ai.stderr?.pipe(log);
      await eventually(
        'compute-ai ready',
        async () => {
          if (ai?.exitCode !== null) throw new Error(`compute-ai exited: ${tailOf(aiLog)}`);
          return (await fetch(`http://127.0.0.1:${aiMetricsPort}/readyz`)).ok ? true : undefined;
        },
        60_000,
        250,
      );

      // Register every /metrics port with the stack's Prometheus (file_sd, picked up within ~2 s).
      mkdirSync(targetsDir, { recursive: true });
      const targets = [
        ...platform.metricsTargets(),
        { app: 'compute-ai', target: `127.0.0.1:${aiMetricsPort}` },
      ];
      await writeFile(
        targetsFile,
        JSON.stringify(targets.map((t) => ({ targets: [t.target], labels: { platform: id, app: t.app } }))),
      );
      await eventually(
        'Prometheus scrapes every app of this platform',
        async () => {
          const up = await query(`up{platform="${id}"} == 1`);
          return up.length === targets.length ? true : undefined;
        },
        30_000,
        1_000,
      );

      const catalog = await platform.describeCatalog();
      const versions = new Map([...catalog.values()].map((spec) => [spec.id, spec.version]));
      const part = (partId: string) => ({ id: partId, version: versions.get(partId) ?? 'missing' });
      const source = { node: 'source', port: 'image' };
      pipelineA = await deploy(
        `observability ${id} A`,
        {
          nodes: [
            { id: 'resize', part: part('pre.resize'), parameters: { width: 160 } },
            { id: 'gray', part: part('pre.grayscale'), parameters: {} },
          ],
          edges: [
            { from: source, to: { node: 'resize', port: 'image' } },
            { from: { node: 'resize', port: 'image' }, to: { node: 'gray', port: 'image' } },
          ],
        },
        cameraA,
      );
      // Valid as a definition, fails at compute: the rectangle lies outside every 400×300 capture.
      pipelineB = await deploy(
        `observability ${id} B`,
        {
          nodes: [
            { id: 'crop', part: part('pre.crop'), parameters: { x: 5000, y: 5000, width: 10, height: 10 } },
          ],
          edges: [{ from: source, to: { node: 'crop', port: 'image' } }],
        },
        cameraB,
      );
    } catch (error) {
      failed = true;
      throw new Error(`${String(error)}\n${platform.tails()}\n--- compute-ai:\n${tailOf(aiLog)}`);
    }
  }, 240_000);

  afterAll(async () => {
    if (failed) process.stderr.write(`\n${platform.tails()}\n--- compute-ai:\n${tailOf(aiLog)}\n`);
    await rm(targetsFile, { force: true });
    if (ai && ai.exitCode === null) {
      ai.kill('SIGTERM');
      await new Promise((resolve) => ai?.once('exit', resolve));
    }
    await platform.stop();
  }, 120_000);

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
    'load run: completed, failed, duplicate, refused, dead-lettered and AI work all land in Prometheus',
    track(async () => {
      loadStart = Math.floor(Date.now() / 1000) - 10;
      await ingest(
        cameraA,
        LINE_A,
        Array.from({ length: LOAD_IMAGES }, (_, i) => i),
      );
      await ingest(
        cameraB,
        LINE_B,
        Array.from({ length: FAILING_IMAGES }, (_, i) => 1000 + i),
      );
      // The same bytes again: a duplicate, no new run.
      const again = await platform.request(`/api/v1/images?cameraId=${cameraA}&lineId=${LINE_A}`, {
        method: 'POST',
        body: await captureJpeg(0),
        headers: { 'content-type': 'image/jpeg' },
      });
      expect(again.ok, await again.clone().text()).toBe(true);
      // Not an image: refused at the border.
      const refused = await platform.request(`/api/v1/images?cameraId=${cameraA}`, {
        method: 'POST',
        body: Buffer.from('certainly not a jpeg'),
        headers: { 'content-type': 'image/jpeg' },
      });
      expect(refused.status).toBeGreaterThanOrEqual(400);
      expect(refused.status).toBeLessThan(500);
      // Bytes that are no event on the stage topic: the stage worker dead-letters them and keeps going.
      const producer = platform.kafka.producer();
      await producer.connect();
      await producer.send({
        topic: platform.names.topics.stageImage,
        messages: [{ key: 'garbage', value: Buffer.from('not avro') }],
      });
      await producer.disconnect();
      // One call first, and Prometheus sees its histogram series: a labelled series is born at its first
      // observation, and rate() counts no increase into a series' first sample — the 8 calls after it are what the
      // batch panels show.
      await detect(1);
      await eventually(
        'the first AI batch scraped',
        async () => ((await sumOf('imageflow_inference_batch_size_sum')) === 1 ? true : undefined),
        30_000,
        500,
      );
      await detect(8);

      await runsFinished(cameraA, LOAD_IMAGES, 'completed');
      await runsFinished(cameraB, FAILING_IMAGES, 'failed');

      // Exactly the work done, as Prometheus scraped it.
      await eventually(
        'Prometheus holds the load run',
        async () => {
          const processed = await sumOf('imageflow_stage_processed_total');
          const failedSteps = await sumOf('imageflow_stage_failed_total');
          const images = await sumOf('imageflow_ingest_images_total', `camera_id=~"${id}.*"`);
          const deadLettered = await sumOf(
            'imageflow_kafka_dead_lettered_total',
            `topic="${platform.names.topics.stageImage}"`,
          );
          const detected = await sumOf('imageflow_inference_batch_size_sum');
          return processed === 2 * LOAD_IMAGES &&
            failedSteps === FAILING_IMAGES &&
            images === LOAD_IMAGES + FAILING_IMAGES &&
            deadLettered === 1 &&
            detected === 9
            ? true
            : undefined;
        },
        60_000,
        1_000,
      );
    }),
    300_000,
  );

  it(
    'Prometheus holds non-empty series for every metric of issue 7 item 1',
    track(async () => {
      const p = `platform="${id}"`;
      const required: Record<string, string> = {
        'Node defaults (every app)': `count by (app) (process_cpu_seconds_total{${p}})`,
        'Node event loop lag': `nodejs_eventloop_lag_p99_seconds{${p}}`,
        'Node heap': `nodejs_heap_size_used_bytes{${p}}`,
        'stage processed': `imageflow_stage_processed_total{${p}, stage="image", part="pre.resize"}`,
        'stage failed by reason': `imageflow_stage_failed_total{${p}, stage="image", part="pre.crop", reason!=""}`,
        'stage duration histogram': `imageflow_stage_duration_seconds_bucket{${p}, stage="image"}`,
        'gRPC client latency by method and code': `imageflow_grpc_client_duration_seconds_bucket{${p}, method="apply", code="OK"}`,
        'gRPC client latency (gateway, parts catalog)': `imageflow_grpc_client_duration_seconds_bucket{${p}, app="gateway", method="describe", code="OK"}`,
        'gRPC server latency (compute-image)': `grpc_server_handling_seconds_bucket{${p}, app="compute-image", grpc_method="Apply"}`,
        'gRPC server latency (compute-ai)': `grpc_server_handling_seconds_bucket{${p}, app="compute-ai", grpc_method="Apply"}`,
        'gRPC server calls by code': `grpc_server_handled_total{${p}, grpc_code!=""}`,
        'Kafka produced per topic': `imageflow_kafka_produced_total{${p}, topic="${platform.names.topics.runEvents}"}`,
        'Kafka consumed per topic': `imageflow_kafka_consumed_total{${p}, topic="${platform.names.topics.stageImage}"}`,
        'Kafka retried per topic': `imageflow_kafka_retried_total{${p}, topic="${platform.names.topics.stageImage}"}`,
        'Kafka dead-lettered per topic': `imageflow_kafka_dead_lettered_total{${p}, topic="${platform.names.topics.stageImage}"}`,
        'in-flight gauge': `imageflow_kafka_in_flight{${p}, group="${platform.names.groups.stageWorker}"}`,
        'paused gauge': `imageflow_kafka_paused{${p}, group="${platform.names.groups.stageWorker}"}`,
        'compute-ai batch sizes': `imageflow_inference_batch_size_count{${p}} > 0`,
        'ingest per camera': `imageflow_ingest_images_total{${p}, camera_id="${cameraA}"}`,
        'projector lag': `imageflow_projector_lag_seconds{${p}, topic="${platform.names.topics.runEvents}"}`,
        'pipeline lag in images': `imageflow_pipeline_lag_images{${p}, pipeline="${pipelineA}", stage="image", line="${LINE_A}"}`,
        'pipeline lag in seconds': `imageflow_pipeline_lag_seconds{${p}, pipeline="${pipelineA}", stage="image", line="${LINE_A}"}`,
        'consumer lag from kafka-exporter': `kafka_consumergroup_lag{job="kafka-exporter", consumergroup="${platform.names.groups.stageWorker}"}`,
      };
      // The exporter queries Kafka on its own 5 s scrape: a group seen for the first time may need one more.
      let empty: string[] = [];
      await eventually(
        'every metric has a series',
        async () => {
          empty = [];
          for (const [what, promql] of Object.entries(required)) {
            if ((await query(promql)).length === 0) empty.push(`${what}: ${promql}`);
          }
          return empty.length === 0 ? true : undefined;
        },
        30_000,
        2_000,
      ).catch(() => undefined);
      expect(empty).toEqual([]);
      expect((await query(required['Node defaults (every app)'] as string)).length).toBe(6);
      // Every image of the 1 + 8 calls went through a batch (how many batches is compute-ai's business).
      expect(await sumOf('imageflow_inference_batch_size_sum')).toBe(9);
      expect(await sumOf('imageflow_inference_batch_size_count')).toBeGreaterThan(0);
    }),
    60_000,
  );

  it(
    'every Grafana panel query returns data for this run, with its variables and intervals substituted',
    track(async () => {
      // Which values of each variable belong to this run: the ones a user looking at it would pick.
      const ours: Record<string, (value: string) => boolean> = {
        pipeline: (v) => v === pipelineA || v === pipelineB,
        stage: (v) => v === 'image',
        part: (v) => ['pre.resize', 'pre.grayscale', 'pre.crop'].includes(v),
        line: (v) => v === LINE_A || v === LINE_B,
        camera: (v) => v === cameraA || v === cameraB,
        group: (v) => v.startsWith(id),
        topic: (v) => v.startsWith(id),
      };
      // One pass over every dashboard; returns what failed. Repeated until it passes: the newest samples of a
      // counter need a second scrape before rate() sees them, so the last seconds of the run may lag behind.
      const pass = async (): Promise<{ problems: string[]; queries: number }> => {
        const end = Math.ceil(Date.now() / 1000);
        const intervals = intervalsFor(end - loadStart, SCRAPE_SECONDS);
        const problems: string[] = [];
        let queries = 0;
        for (const { file, dashboard } of loadDashboards()) {
          // Variables in order, as Grafana resolves them (a later one may use an earlier one).
          const values: Record<string, string[]> = {};
          for (const variable of dashboard.templating.list) {
            const source = labelValuesOf(variable);
            if (!source) continue;
            const pick = ours[variable.name];
            if (!pick) throw new Error(`${file}: no test values for variable ${variable.name}`);
            const all = await labelValues(
              source.label,
              substitute(source.selector, values, intervals),
              loadStart,
              end,
            );
            values[variable.name] = all.filter(pick);
            if (values[variable.name]?.length === 0)
              problems.push(
                `${file}: $${variable.name} (${variable.definition}) offers none of this run's values`,
              );
          }
          for (const panel of dataPanels(dashboard)) {
            for (const target of panel.targets ?? []) {
              queries += 1;
              const promql = substitute(target.expr, values, intervals);
              try {
                const series = await queryRange(promql, loadStart, end, intervals.interval);
                const numbers = series.flatMap((s) => s.values.map(([, v]) => Number(v)));
                if (!numbers.some((n) => Number.isFinite(n)))
                  problems.push(`${file} "${panel.title}" ${target.refId}: no data — ${promql}`);
              } catch (error) {
                problems.push(`${file} "${panel.title}" ${target.refId}: ${String(error)} — ${promql}`);
              }
            }
          }
        }
        return { problems, queries };
      };
      let last: { problems: string[]; queries: number } = { problems: ['not run'], queries: 0 };
      await eventually(
        'every panel query returns data',
        async () => {
          last = await pass();
          return last.problems.length === 0 ? true : undefined;
        },
        45_000,
        3_000,
      ).catch(() => undefined);
      expect(last.problems).toEqual([]);
      const targets = loadDashboards().flatMap(({ dashboard }) =>
        dataPanels(dashboard).flatMap((panel) => panel.targets ?? []),
      );
      expect(last.queries).toBe(targets.length);
    }),
    120_000,
  );

  it(
    'lag rises while the stage worker is stopped and falls back to 0 after it restarts',
    track(async () => {
      // Drained after the load run: 0 in messages, images and seconds.
      await eventually(
        'no lag before the stop',
        async () =>
          (await exporterLag()) === 0 &&
          (await pipelineLag('images')) === 0 &&
          (await pipelineLag('seconds')) === 0
            ? true
            : undefined,
        60_000,
        1_000,
      );

      await platform.terminate('stage-worker');
      await ingest(
        cameraA,
        LINE_A,
        Array.from({ length: LAG_IMAGES }, (_, i) => 2000 + i),
      );
      // Each capture's first step (resize) waits on the stage topic: LAG_IMAGES messages and images behind.
      const messages = await eventually(
        'exporter lag rises',
        async () => {
          const lag = (await exporterLag()) ?? 0;
          return lag >= LAG_IMAGES ? lag : undefined;
        },
        60_000,
        1_000,
      );
      await eventually(
        'pipeline lag in images rises',
        async () => (await pipelineLag('images')) === LAG_IMAGES || undefined,
        60_000,
        1_000,
      );
      const firstAge = await eventually(
        'pipeline lag in seconds rises',
        async () => {
          const age = (await pipelineLag('seconds')) ?? 0;
          return age > 0 ? age : undefined;
        },
        30_000,
        1_000,
      );
      // Nothing is taken while the worker is down, so the oldest wait keeps growing.
      const laterAge = await eventually(
        'pipeline lag in seconds keeps growing',
        async () => {
          const age = (await pipelineLag('seconds')) ?? 0;
          return age > firstAge ? age : undefined;
        },
        30_000,
        1_000,
      );
      process.stdout.write(
        `lag with the stage worker stopped: ${messages} messages (kafka-exporter), ${LAG_IMAGES} images, oldest wait ${firstAge.toFixed(1)} s then ${laterAge.toFixed(1)} s\n`,
      );
      const stoppedAt = Date.now();

      await platform.startApp('stage-worker');
      await runsFinished(cameraA, LOAD_IMAGES + LAG_IMAGES, 'completed');
      process.stdout.write(
        `backlog drained ${((Date.now() - stoppedAt) / 1000).toFixed(1)} s after the restart began\n`,
      );
      await eventually(
        'lag falls back to 0',
        async () =>
          (await exporterLag()) === 0 &&
          (await pipelineLag('images')) === 0 &&
          (await pipelineLag('seconds')) === 0
            ? true
            : undefined,
        90_000,
        1_000,
      );
    }),
    300_000,
  );
});
