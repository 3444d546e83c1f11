// Issue 7, must show: "One image's trace spans all services." The BUILT apps (e2e/platform's harness: gateway,
// orchestrator, stage worker `image`, compute-image, projector) export their spans over OTLP/HTTP to a receiver this
// test runs on 127.0.0.1. One capture goes through a two-step pipeline; its trace — found from the gateway's
// ingest span by image id — must hold spans of every service, one root, and every other span's parent in the
// same trace, with the hops linked as the design says: HTTP → Kafka → orchestrator → Kafka → stage worker →
// gRPC → compute → Kafka → orchestrator → projector.
import type { PipelineDefinition } from '@imageflow/pipeline';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// The whole-system harness is test code shared by the e2e projects, not a library with an @imageflow entry.
// eslint-disable-next-line @nx/enforce-module-boundaries
import { eventually, Platform } from '../../platform/src/platform';
import { OtlpReceiver, SPAN_KIND, type ReceivedSpan } from './otlp-receiver';

const SERVICES = ['gateway', 'orchestrator', 'stage-worker-image', 'compute-image', 'projector'];

interface Run {
  id: string;
  imageId: string | null;
  status: string;
}

describe('one image, one trace across every service', () => {
  const receiver = new OtlpReceiver();
  let platform: Platform;
  let failed = false;

  const json = (method: string, body?: unknown): RequestInit => ({
    method,
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

  beforeAll(async () => {
    await receiver.start();
    platform = new Platform({
      extraEnv: {
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: receiver.url,
        OTEL_TRACES_SAMPLER: 'parentbased_always_on',
      },
    });
    try {
      await platform.start();
    } catch (error) {
      failed = true;
      throw error;
    }
  });

  afterAll(async () => {
    if (failed) process.stderr.write(`\n${platform.tails()}\n`);
    await platform.stop();
    await receiver.stop();
  });

  it('holds spans of gateway, orchestrator, stage worker, compute-image and projector, parent-linked', async () => {
    try {
      const cameraId = `${platform.names.id}.cam`;
      const catalog = await platform.describeCatalog();
      const versions = new Map([...catalog.values()].map((p) => [p.id, p.version]));
      const version = (id: string) => versions.get(id) ?? 'missing';
      const definition: PipelineDefinition = {
        nodes: [
          {
            id: 'resize',
            part: { id: 'pre.resize', version: version('pre.resize') },
            parameters: { width: 64 },
          },
          { id: 'gray', part: { id: 'pre.grayscale', version: version('pre.grayscale') }, parameters: {} },
        ],
        edges: [
          { from: { node: 'source', port: 'image' }, to: { node: 'resize', port: 'image' } },
          { from: { node: 'resize', port: 'image' }, to: { node: 'gray', port: 'image' } },
        ],
      };
      const created = await platform.json<{ pipelineId: string; version: string }>(
        '/api/v1/pipelines',
        json('POST', { name: `e2e trace ${platform.names.id}`, definition }),
      );
      const path = `/api/v1/pipelines/${created.pipelineId}/versions/${encodeURIComponent(created.version)}`;
      await eventually('version visible', async () => ((await platform.request(path)).ok ? true : undefined));
      expect((await platform.request(`${path}/activate`, json('POST'))).status).toBe(202);
      const bound = await platform.request(
        `/api/v1/bindings/camera/${cameraId}`,
        json('PUT', { pipelineId: created.pipelineId }),
      );
      expect(bound.status).toBe(202);
      await eventually('active and bound', async () => {
        const p = await platform.json<{
          activeVersion: { version: string } | null;
          bindings: { targetId: string }[];
        }>(`/api/v1/pipelines/${created.pipelineId}`);
        return p.activeVersion?.version === created.version && p.bindings.some((b) => b.targetId === cameraId)
          ? true
          : undefined;
      });

      const jpeg = await sharp({
        create: { width: 160, height: 120, channels: 3, background: { r: 40, g: 90, b: 200 } },
      })
        .jpeg()
        .toBuffer();
      const ingested = await platform.request(`/api/v1/images?cameraId=${encodeURIComponent(cameraId)}`, {
        method: 'POST',
        body: jpeg,
        headers: { 'content-type': 'image/jpeg' },
      });
      expect(ingested.status, await ingested.clone().text()).toBe(201);
      const { imageId } = (await ingested.json()) as { imageId: string };

      const run = await eventually(
        'the run completed',
        async () => {
          platform.assertAlive();
          const page = await platform.json<{ items: Run[] }>(
            `/api/v1/runs?cameraId=${encodeURIComponent(cameraId)}`,
          );
          const found = page.items.find((r) => r.imageId === imageId);
          if (found?.status === 'failed') throw new Error(`run ${found.id} failed`);
          return found?.status === 'completed' ? found : undefined;
        },
        60_000,
        500,
      );
      platform.trackRun(run.id);

      // The trace starts at the gateway's ingest span; spans arrive in export batches, so wait until every span
      // the run makes has arrived: all services, the projector's RunCompleted, and no parent missing.
      const spans = await eventually(
        'the whole trace exported',
        async () => {
          const root = receiver.spans.find(
            (s) =>
              s.service === 'gateway' &&
              s.kind === SPAN_KIND.SERVER &&
              s.attributes['imageflow.image_id'] === imageId,
          );
          if (!root) return undefined;
          const trace = receiver.trace(root.traceId);
          const ids = new Set(trace.map((s) => s.spanId));
          const services = new Set(trace.map((s) => s.service));
          const complete =
            SERVICES.every((s) => services.has(s)) &&
            trace.some((s) => s.name === 'projector apply RunCompleted') &&
            trace.every((s) => s === root || ids.has(s.parentSpanId));
          return complete ? trace : undefined;
        },
        60_000,
        500,
      );
      expect(receiver.errors).toEqual([]);

      const byId = new Map(spans.map((s) => [s.spanId, s]));
      const parentOf = (s: ReceivedSpan) => byId.get(s.parentSpanId);
      const roots = spans.filter((s) => s.parentSpanId === '' || !byId.has(s.parentSpanId));
      expect(roots.map((s) => `${s.service} ${s.name}`)).toEqual(['gateway POST /api/v1/images']);
      expect(new Set(spans.map((s) => s.service))).toEqual(new Set(SERVICES));

      // Gateway: ImageCaptured produced inside the ingest span.
      const captured = spans.find((s) => s.service === 'gateway' && s.kind === SPAN_KIND.PRODUCER);
      expect(captured && parentOf(captured)).toBe(roots[0]);
      expect(captured?.attributes['messaging.destination.name']).toBe(platform.names.topics.images);

      // Orchestrator: the capture's CONSUMER span is the child of that producer span; RunStarted is produced in it.
      const captureConsumer = spans.find(
        (s) =>
          s.service === 'orchestrator' &&
          s.kind === SPAN_KIND.CONSUMER &&
          s.parentSpanId === captured?.spanId,
      );
      expect(captureConsumer).toBeDefined();
      const runStarted = spans.find(
        (s) => s.kind === SPAN_KIND.PRODUCER && s.attributes['imageflow.event_type'] === 'RunStarted',
      );
      expect(runStarted && parentOf(runStarted)).toBe(captureConsumer);
      expect(runStarted?.attributes['imageflow.run_id']).toBe(run.id);

      // StepRequested (to the log and to the stage topic) is produced in the context of the event that caused it.
      const requests = spans.filter(
        (s) =>
          s.service === 'orchestrator' &&
          s.kind === SPAN_KIND.PRODUCER &&
          s.attributes['imageflow.event_type'] === 'StepRequested',
      );
      expect(requests.length).toBe(4); // two steps, each to the run log and the stage topic
      for (const request of requests)
        expect(parentOf(request)).toMatchObject({
          kind: SPAN_KIND.CONSUMER,
          attributes: { 'messaging.destination.name': platform.names.topics.runEvents },
        });

      // Stage worker: consumer span (parent: a StepRequested producer span) → step span → gRPC client span.
      for (const nodeId of ['resize', 'gray']) {
        const step = spans.find(
          (s) =>
            s.service === 'stage-worker-image' &&
            s.attributes['imageflow.node_id'] === nodeId &&
            s.kind === SPAN_KIND.INTERNAL,
        );
        expect(step, `step span of ${nodeId}`).toBeDefined();
        const consumer = step && parentOf(step);
        expect(consumer?.kind).toBe(SPAN_KIND.CONSUMER);
        expect(consumer?.attributes['messaging.destination.name']).toBe(platform.names.topics.stageImage);
        expect(requests).toContain(consumer && parentOf(consumer));
        const client = spans.find((s) => s.kind === SPAN_KIND.CLIENT && s.parentSpanId === step?.spanId);
        expect(client?.attributes['rpc.method']).toBe('Apply');
        expect(client?.attributes['imageflow.run_id']).toBe(run.id);
        // compute-image: the SERVER span is the child of that client span, with run and node from the metadata.
        const server = spans.find((s) => s.service === 'compute-image' && s.parentSpanId === client?.spanId);
        expect(server).toMatchObject({
          kind: SPAN_KIND.SERVER,
          attributes: { 'rpc.method': 'Apply', 'rpc.grpc.status_code': 0, 'imageflow.node_id': nodeId },
        });
        // StepCompleted is produced inside the step span.
        const completed = spans.find(
          (s) =>
            s.parentSpanId === step?.spanId &&
            s.kind === SPAN_KIND.PRODUCER &&
            s.attributes['imageflow.event_type'] === 'StepCompleted',
        );
        expect(completed, `StepCompleted of ${nodeId}`).toBeDefined();
      }

      // Projector: one apply span per event, each the child of that event's CONSUMER span.
      const applies = spans.filter((s) => s.service === 'projector' && s.name.startsWith('projector apply '));
      for (const type of ['ImageCaptured', 'RunStarted', 'StepRequested', 'StepCompleted', 'RunCompleted'])
        expect(applies.map((s) => s.attributes['imageflow.event_type'])).toContain(type);
      for (const apply of applies) {
        const consumer = parentOf(apply);
        expect(consumer).toMatchObject({ service: 'projector', kind: SPAN_KIND.CONSUMER });
        expect(consumer && parentOf(consumer)?.kind).toBe(SPAN_KIND.PRODUCER);
      }
      expect(
        applies.find((s) => s.name === 'projector apply RunCompleted')?.attributes['imageflow.run_id'],
      ).toBe(run.id);
      process.stdout.write(
        `trace ${roots[0]?.traceId}: ${spans.length} spans; ${SERVICES.map(
          (service) => `${service} ${spans.filter((s) => s.service === service).length}`,
        ).join(', ')}\n`,
      );
    } catch (error) {
      failed = true;
      throw error;
    }
  });
});
