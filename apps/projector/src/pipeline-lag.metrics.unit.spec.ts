import { Registry, type Logger } from '@imageflow/observability';
import { describe, expect, it } from 'vitest';
import { applyPipelineLag, PipelineLagExporter, type PipelineLagRow } from './pipeline-lag.metrics';
import { projectorMetrics } from './projector.metrics';

const row = (over: Partial<PipelineLagRow>): PipelineLagRow => ({
  pipeline: 'p1',
  stage: 'image',
  line: 'L1',
  images: 0,
  steps: 0,
  oldestSeconds: 0,
  ...over,
});

async function values(registry: Registry, name: string): Promise<Record<string, number>> {
  const metric = registry.getSingleMetric(name);
  if (!metric) throw new Error(`${name} not registered`);
  const { values: samples } = await metric.get();
  return Object.fromEntries(
    samples.map((s) => [`${s.labels.pipeline}/${s.labels.stage}/${s.labels.line}`, s.value]),
  );
}

describe('pipeline lag gauges', () => {
  it('exports images, steps and the oldest age per pipeline, stage and line', async () => {
    const registry = new Registry();
    const metrics = projectorMetrics(registry);
    applyPipelineLag(metrics, new Map(), [
      row({ images: 3, steps: 5, oldestSeconds: 12.5 }),
      row({ stage: 'ai', line: 'none', images: 1, steps: 1, oldestSeconds: 2 }),
    ]);
    expect(await values(registry, 'imageflow_pipeline_lag_images')).toEqual({
      'p1/image/L1': 3,
      'p1/ai/none': 1,
    });
    expect(await values(registry, 'imageflow_pipeline_lag_steps')).toEqual({
      'p1/image/L1': 5,
      'p1/ai/none': 1,
    });
    expect(await values(registry, 'imageflow_pipeline_lag_seconds')).toEqual({
      'p1/image/L1': 12.5,
      'p1/ai/none': 2,
    });
  });

  it('sets a drained label set to 0 instead of dropping it', async () => {
    const registry = new Registry();
    const metrics = projectorMetrics(registry);
    let known = applyPipelineLag(metrics, new Map(), [row({ images: 4, steps: 4, oldestSeconds: 30 })]);
    known = applyPipelineLag(metrics, known, [row({ line: 'L2', images: 1, steps: 2, oldestSeconds: 1 })]);
    expect(known.size).toBe(2);
    expect(await values(registry, 'imageflow_pipeline_lag_images')).toEqual({
      'p1/image/L1': 0,
      'p1/image/L2': 1,
    });
    expect(await values(registry, 'imageflow_pipeline_lag_seconds')).toEqual({
      'p1/image/L1': 0,
      'p1/image/L2': 1,
    });
  });

  it('counts a failed refresh and keeps the last values', async () => {
    const registry = new Registry();
    const metrics = projectorMetrics(registry);
    let calls = 0;
    const load = async (): Promise<PipelineLagRow[]> => {
      calls += 1;
      if (calls > 1) throw new Error('database gone');
      return [row({ images: 2, steps: 2, oldestSeconds: 3 })];
    };
    const warnings: unknown[] = [];
    // Only warn is called on a failed refresh.
    const logger = { warn: (o: unknown) => warnings.push(o) } as unknown as Logger;
    const exporter = new PipelineLagExporter(load, metrics, 60_000, logger);
    await exporter.refresh();
    await exporter.refresh();
    expect(await values(registry, 'imageflow_pipeline_lag_images')).toEqual({ 'p1/image/L1': 2 });
    expect((await metrics.pipelineLagRefreshFailures.get()).values[0]?.value).toBe(1);
    expect(warnings).toHaveLength(1);
  });
});

describe('projector lag', () => {
  it('is now minus the newest applied event time, computed at scrape', async () => {
    const registry = new Registry();
    const metrics = projectorMetrics(registry);
    metrics.lastEventTime.set({ topic: 'run-events' }, Date.now() / 1000 - 42);
    const text = await registry.getSingleMetricAsString('imageflow_projector_lag_seconds');
    const value = Number(/imageflow_projector_lag_seconds\{topic="run-events"\} ([\d.]+)/.exec(text)?.[1]);
    expect(value).toBeGreaterThanOrEqual(42);
    expect(value).toBeLessThan(60);
  });
});
