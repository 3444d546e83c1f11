// GET /api/v1/pipelines/:id/operations against the real Prometheus of the local stack. A test target registered as a
// file_sd target (the stack's `imageflow-dynamic` job) exports the series a stage worker and kafka-exporter export,
// under a stage kind no other process uses; the version is projected into the gateway's scratch database with
// persistence's applyProjectionBatch (the projector's write path).
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { uniqueName } from '@imageflow/messaging/testing';
import { Counter, Gauge, Histogram, Registry } from '@imageflow/observability';
import { applyProjectionBatch } from '@imageflow/persistence';
import { aPipelineVersionActivated, aPipelineVersionCreated } from '@imageflow/persistence/testing';
import { versionIdOf, type PipelineDefinition } from '@imageflow/pipeline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type GatewayHarness } from '../testing/gateway-harness';
import type { OperationsResponse } from './operations.schemas';

const repoRoot = join(__dirname, '..', '..', '..', '..');
const targetsDir =
  process.env['PROMETHEUS_TARGETS_DIR'] ?? join(repoRoot, '.imageflow', 'prometheus', 'targets');

describe('pipeline operations from Prometheus', () => {
  let gw: GatewayHarness;
  let down: GatewayHarness;
  let server: Server;
  let ticker: NodeJS.Timeout;
  const stage = uniqueName('opsit').replace(/[^a-z0-9]/g, '');
  const aiStage = `${stage}ai`;
  const targetFile = join(targetsDir, `${uniqueName('gateway-operations-it')}.json`);
  const pipelineId = uniqueName('pl-ops');
  const definition: PipelineDefinition = {
    nodes: [
      { id: 'resize', part: { id: 'pre.resize', version: '1' }, parameters: {} },
      { id: 'detect', part: { id: 'ai.detect', version: '1' }, parameters: {} },
    ],
    edges: [
      { from: { node: 'source', port: 'image' }, to: { node: 'resize', port: 'image' } },
      { from: { node: 'resize', port: 'image' }, to: { node: 'detect', port: 'image' } },
    ],
  };
  const version = versionIdOf(definition);

  async function projectVersion(harness: GatewayHarness): Promise<void> {
    const created = aPipelineVersionCreated({
      pipelineId,
      version,
      definitionJson: JSON.stringify(definition),
      stageKindsJson: JSON.stringify({ resize: stage, detect: aiStage }),
    });
    const activated = aPipelineVersionActivated({ pipelineId, version });
    await applyProjectionBatch(harness.db, {
      consumer: 'gateway-operations-it',
      topic: 'it.pipelines',
      partition: 0,
      nextOffset: '2',
      events: [created, activated].map((decoded, i) => ({
        topic: 'it.pipelines',
        partition: 0,
        offset: String(i),
        key: pipelineId,
        schemaId: 1,
        decoded,
      })),
      deadLetters: [],
    });
  }

  beforeAll(async () => {
    // What a stage worker of `stage` and kafka-exporter would export: steady progress, some failures, a backlog.
    const registry = new Registry();
    const processed = new Counter({
      name: 'imageflow_stage_processed_total',
      help: 'test',
      labelNames: ['stage', 'part'],
      registers: [registry],
    });
    const failed = new Counter({
      name: 'imageflow_stage_failed_total',
      help: 'test',
      labelNames: ['stage', 'part', 'reason'],
      registers: [registry],
    });
    const duration = new Histogram({
      name: 'imageflow_stage_duration_seconds',
      help: 'test',
      labelNames: ['stage', 'part'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1],
      registers: [registry],
    });
    const lag = new Gauge({
      name: 'kafka_consumergroup_lag',
      help: 'test',
      labelNames: ['consumergroup', 'topic', 'partition'],
      registers: [registry],
    });
    const topic = `imageflow.stage.${stage}.v1`;
    lag.set({ consumergroup: `${stage}-group`, topic, partition: '0' }, 30);
    lag.set({ consumergroup: `${stage}-group`, topic, partition: '1' }, 12);
    ticker = setInterval(() => {
      processed.inc({ stage, part: 'pre.resize' }, 5);
      failed.inc({ stage, part: 'pre.resize', reason: 'CORRUPT_IMAGE' }, 1);
      duration.observe({ stage, part: 'pre.resize' }, 0.2);
    }, 100);
    server = createServer((req, res) => {
      void registry.metrics().then((text) => {
        res.setHeader('content-type', registry.contentType);
        res.end(text);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    mkdirSync(targetsDir, { recursive: true });
    writeFileSync(
      targetFile,
      JSON.stringify([{ targets: [`127.0.0.1:${port}`], labels: { app: 'gateway-ops-it' } }]),
    );

    gw = await startGateway();
    await projectVersion(gw);
    down = await startGateway({ PROMETHEUS_URL: 'http://127.0.0.1:1', PROMETHEUS_TIMEOUT_MS: '1000' });
    await projectVersion(down);
  });

  afterAll(async () => {
    rmSync(targetFile, { force: true });
    clearInterval(ticker);
    await new Promise((resolve) => server?.close(resolve));
    await gw?.close();
    await down?.close();
  });

  it('shows per node the throughput, failures, p95 and the stage topic lag Prometheus holds', async () => {
    let last: OperationsResponse | undefined;
    const deadline = Date.now() + 60_000;
    // Prometheus picks the target up within seconds and needs two scrapes for a rate.
    while (Date.now() < deadline) {
      const response = await gw.request(`/api/v1/pipelines/${pipelineId}/operations`);
      expect(response.status).toBe(200);
      last = (await response.json()) as OperationsResponse;
      const resize = last.nodes.find((n) => n.nodeId === 'resize');
      if ((resize?.throughputPerSec ?? 0) > 0 && resize?.lagMessages !== null && resize?.p95Seconds !== null)
        break;
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
    expect(last).toMatchObject({ pipelineId, version, prometheus: { ok: true, error: null } });
    const [resize, detect] = last?.nodes ?? [];
    expect(resize).toMatchObject({
      nodeId: 'resize',
      partId: 'pre.resize',
      stageKind: stage,
      lagMessages: 42,
    });
    expect(resize?.throughputPerSec).toBeGreaterThan(0);
    expect(resize?.failedPerSec).toBeGreaterThan(0);
    expect(resize?.failedPerSec).toBeLessThan(resize?.throughputPerSec ?? 0);
    // Every observation is 0.2 s: the 95th percentile lies in the (0.1, 0.25] bucket.
    expect(resize?.p95Seconds).toBeGreaterThan(0.1);
    expect(resize?.p95Seconds).toBeLessThanOrEqual(0.25);
    expect(resize?.lagSeconds).toBeCloseTo(42 / (resize?.throughputPerSec ?? 1), 0);
    // Nothing is exported for the other stage: nothing ran, no lag known.
    expect(detect).toEqual({
      nodeId: 'detect',
      partId: 'ai.detect',
      stageKind: aiStage,
      throughputPerSec: 0,
      failedPerSec: 0,
      p95Seconds: null,
      lagMessages: null,
      lagSeconds: null,
    });
  });

  it('answers 200 with prometheus.ok=false and null numbers when Prometheus is down', async () => {
    const response = await down.request(
      `/api/v1/pipelines/${pipelineId}/operations?version=${encodeURIComponent(version)}`,
    );
    expect(response.status).toBe(200);
    const body = (await response.json()) as OperationsResponse;
    expect(body.prometheus.ok).toBe(false);
    expect(body.prometheus.error).toMatch(/did not answer/);
    expect(body.nodes.map((n) => [n.nodeId, n.throughputPerSec, n.lagMessages])).toEqual([
      ['resize', null, null],
      ['detect', null, null],
    ]);
  });

  it('404 for an unknown pipeline or version; 401 without a key', async () => {
    expect((await gw.request(`/api/v1/pipelines/nope/operations`)).status).toBe(404);
    expect((await gw.request(`/api/v1/pipelines/${pipelineId}/operations?version=sha256:00`)).status).toBe(
      404,
    );
    expect((await gw.request(`/api/v1/pipelines/${pipelineId}/operations`, { key: null })).status).toBe(401);
  });
});
