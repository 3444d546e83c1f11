// Issue 5 (REST: "run a version on one uploaded image") and the live view, through the whole system: a PNG uploaded to
// POST /api/v1/runs is stored by the gateway, its RunStarted (trigger MANUAL) is driven by the orchestrator, the steps
// run on the stage worker and compute-image, the projector writes the read models, and a WebSocket client subscribed
// to the pipeline sees every step live. Then the same image is run again by id through an unsaved draft.
import { LIVE_PATH, LIVE_PROTOCOL, type LiveServerMessage } from '@imageflow/contracts';
import type { PipelineDefinition } from '@imageflow/pipeline';
import { sha256Hex } from '@imageflow/storage';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { eventually, Platform } from './platform';

interface RunDetails {
  id: string;
  status: string;
  trigger: string | null;
  imageId: string | null;
  pipelineId: string | null;
  pipelineVersion: string | null;
  cameraId: string | null;
  steps: { nodeId: string; status: string; outputs: unknown[] | null }[];
}

const json = (body: unknown): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

describe('platform: manual runs of one image, watched live', () => {
  const platform = new Platform();
  let failed = false;
  let pipelineId = '';
  let version = '';
  let definition: PipelineDefinition;
  let png: Buffer;

  beforeAll(async () => {
    try {
      await platform.start();
      const catalog = await platform.describeCatalog();
      const v = (id: string) => [...catalog.values()].find((p) => p.id === id)?.version;
      definition = {
        nodes: [
          {
            id: 'resize',
            part: { id: 'pre.resize', version: v('pre.resize') ?? '?' },
            parameters: { width: 64 },
          },
          { id: 'gray', part: { id: 'pre.grayscale', version: v('pre.grayscale') ?? '?' }, parameters: {} },
        ],
        edges: [
          { from: { node: 'source', port: 'image' }, to: { node: 'resize', port: 'image' } },
          { from: { node: 'resize', port: 'image' }, to: { node: 'gray', port: 'image' } },
        ],
      };
      ({ pipelineId, version } = await platform.json<{ pipelineId: string; version: string }>(
        '/api/v1/pipelines',
        json({ name: `e2e manual run ${platform.names.id}`, definition }),
      ));
      await eventually('version visible', async () =>
        (await platform.request(`/api/v1/pipelines/${pipelineId}/versions/${encodeURIComponent(version)}`)).ok
          ? true
          : undefined,
      );
      png = await sharp({
        create: { width: 160, height: 120, channels: 3, background: { r: 200, g: 40, b: Date.now() % 255 } },
      })
        .png()
        .toBuffer();
    } catch (error) {
      failed = true;
      throw new Error(`${String(error)}\n${platform.tails()}`);
    }
  });

  afterAll(async () => {
    if (failed) process.stderr.write(`\n${platform.tails()}\n`);
    await platform.stop();
  });

  async function completed(runId: string): Promise<RunDetails> {
    return eventually(
      `run ${runId} completed`,
      async () => {
        platform.assertAlive();
        const response = await platform.request(`/api/v1/runs/${runId}`);
        if (response.status === 404) return undefined;
        const run = (await response.json()) as RunDetails;
        if (run.status === 'failed') throw new Error(`run failed: ${JSON.stringify(run)}`);
        return run.status === 'completed' ? run : undefined;
      },
      90_000,
      500,
    );
  }

  it('uploads a PNG, runs a saved version on it, and the read model shows every node done; live sees it all', async () => {
    try {
      // Subscribed to the pipeline before the run exists: a client does not need the run id in advance.
      const socket = new WebSocket(
        `${platform.gatewayUrl.replace('http', 'ws')}${LIVE_PATH}`,
        [LIVE_PROTOCOL],
        {
          headers: { authorization: `Bearer ${platform.adminKey}` },
        },
      );
      const live: LiveServerMessage[] = [];
      socket.on('message', (data) => live.push(JSON.parse(String(data)) as LiveServerMessage));
      await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
      socket.send(JSON.stringify({ type: 'subscribe', pipelineId }));
      await eventually('subscribed', async () =>
        live.some((m) => m.type === 'ack' && m.ok) ? true : undefined,
      );

      const form = new FormData();
      form.set('image', new Blob([png], { type: 'image/png' }), 'part.png');
      form.set('pipelineId', pipelineId);
      form.set('version', version);
      form.set('lot', 'LOT-MANUAL');
      const response = await platform.request('/api/v1/runs', { method: 'POST', body: form });
      expect(response.status, await response.clone().text()).toBe(202);
      const started = (await response.json()) as { runId: string; imageId: string; pipelineVersion: string };
      platform.trackRun(started.runId);
      expect(started).toMatchObject({ imageId: sha256Hex(png), pipelineId, pipelineVersion: version });

      const run = await completed(started.runId);
      expect(run).toMatchObject({
        trigger: 'MANUAL',
        imageId: sha256Hex(png),
        pipelineId,
        pipelineVersion: version,
        cameraId: 'manual',
      });
      expect(run.steps.map((s) => [s.nodeId, s.status]).sort()).toEqual([
        ['gray', 'completed'],
        ['resize', 'completed'],
      ]);
      for (const step of run.steps) expect(step.outputs?.length, step.nodeId).toBeGreaterThan(0);
      const listed = await platform.json<{ items: { id: string }[] }>(
        `/api/v1/runs?pipelineId=${encodeURIComponent(pipelineId)}&lot=LOT-MANUAL`,
      );
      expect(listed.items.map((r) => r.id)).toEqual([started.runId]);

      const ofRun = () => live.filter((m) => m.type !== 'ack' && m.runId === started.runId);
      await eventually('live run.finished', async () =>
        ofRun().some((m) => m.type === 'run.finished') ? true : undefined,
      );
      const states = ofRun().map((m) => (m.type === 'step' ? `${m.nodeId}:${m.state}` : m.type));
      expect(states[0]).toBe('run.started');
      expect(states.at(-1)).toBe('run.finished');
      for (const node of ['resize', 'gray'])
        expect(states.filter((s) => s.startsWith(`${node}:`))).toEqual([
          `${node}:requested`,
          `${node}:running`,
          `${node}:done`,
        ]);
      expect(states.indexOf('resize:done')).toBeLessThan(states.indexOf('gray:requested'));
      const done = ofRun().find((m) => m.type === 'step' && m.state === 'done');
      expect(done?.type === 'step' && done.durationMs).toBeGreaterThanOrEqual(0);
      socket.close();
    } catch (error) {
      failed = true;
      throw error;
    }
  });

  it('runs an unsaved draft on the stored image by id; bad requests get 404 / 422 with the reason', async () => {
    try {
      const imageId = sha256Hex(png);
      const draft: PipelineDefinition = {
        nodes: [definition.nodes[0] as PipelineDefinition['nodes'][number]],
        edges: [definition.edges[0] as PipelineDefinition['edges'][number]],
      };
      const response = await platform.request('/api/v1/runs', json({ imageId, definition: draft }));
      expect(response.status, await response.clone().text()).toBe(202);
      const started = (await response.json()) as {
        runId: string;
        pipelineId: string;
        pipelineVersion: string;
      };
      platform.trackRun(started.runId);
      expect(started.pipelineId).toBe('draft');
      expect(started.pipelineVersion).toMatch(/^sha256:/);
      const run = await completed(started.runId);
      expect(run).toMatchObject({ pipelineId: 'draft', pipelineVersion: started.pipelineVersion });
      expect(run.steps.map((s) => [s.nodeId, s.status])).toEqual([['resize', 'completed']]);

      // A draft uploaded with a new image (multipart, definition as JSON text) under the pipeline's own id.
      const fresh = await sharp({
        create: { width: 48, height: 40, channels: 3, background: { r: 10, g: 200, b: Date.now() % 255 } },
      })
        .png()
        .toBuffer();
      const form = new FormData();
      form.set('image', new Blob([fresh], { type: 'image/png' }), 'fresh.png');
      form.set('pipelineId', pipelineId);
      form.set('definition', JSON.stringify(draft));
      const uploaded = await platform.request('/api/v1/runs', { method: 'POST', body: form });
      expect(uploaded.status, await uploaded.clone().text()).toBe(202);
      const draftRun = (await uploaded.json()) as {
        runId: string;
        pipelineId: string;
        pipelineVersion: string;
      };
      platform.trackRun(draftRun.runId);
      expect(draftRun).toMatchObject({ pipelineId, pipelineVersion: started.pipelineVersion });
      expect((await completed(draftRun.runId)).steps.map((s) => s.status)).toEqual(['completed']);

      const unknownVersion = await platform.request(
        '/api/v1/runs',
        json({ imageId, pipelineId, version: 'nope' }),
      );
      expect(unknownVersion.status).toBe(404);
      expect(((await unknownVersion.json()) as { message: string }).message).toMatch(/has no version nope/);
      const unknownImage = await platform.request(
        '/api/v1/runs',
        json({ imageId: '0'.repeat(64), pipelineId, version }),
      );
      expect(unknownImage.status).toBe(404);
      const cyclic = await platform.request(
        '/api/v1/runs',
        json({
          imageId,
          definition: {
            ...definition,
            edges: [
              ...definition.edges,
              { from: { node: 'gray', port: 'image' }, to: { node: 'resize', port: 'image' } },
            ],
          },
        }),
      );
      expect(cyclic.status).toBe(422);
      const body = (await cyclic.json()) as { issues: { code: string }[] };
      expect(body.issues.length).toBeGreaterThan(0);
    } catch (error) {
      failed = true;
      throw error;
    }
  });
});
