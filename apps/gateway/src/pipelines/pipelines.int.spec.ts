// Pipelines, versions, activations and bindings over REST, against the real stack and the real compute services
// (built compute-image and compute-ai as child processes, for the parts catalog). The read side is filled by a
// consumer in this file that reads the gateway's (unique) pipelines topic from Kafka and folds every event with
// persistence's applyProjectionBatch — the projector's own write path — into the gateway's scratch database.
import type { EventOf } from '@imageflow/contracts';
import { EventSerde, type Kafka } from '@imageflow/messaging';
import { eventually, uniqueName } from '@imageflow/messaging/testing';
import { applyProjectionBatch, type LoggedEvent } from '@imageflow/persistence';
import { versionIdOf, type PipelineDefinition } from '@imageflow/pipeline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PartsCatalog } from '../parts/parts.schemas';
import { startCompute, type RunningCompute } from '../testing/compute-services';
import { startGateway, type GatewayHarness } from '../testing/gateway-harness';

interface Issue {
  code: string;
  message: string;
  nodeId?: string;
  port?: string;
  edge?: number;
  cycle?: string[];
  path?: string;
}

describe('pipelines and bindings over REST (real Kafka, Postgres, compute services)', () => {
  let gw: GatewayHarness;
  let image: RunningCompute;
  let ai: RunningCompute;
  let serde: EventSerde;
  let projector: ReturnType<Kafka['consumer']>;
  const published: { type: string; key: string | null; event: unknown }[] = [];
  let resize: { id: string; version: string };
  let ocr: { id: string; version: string };
  const cameraId = uniqueName('cam-pipe');

  const json = (method: string, body?: unknown): RequestInit => ({
    method,
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const getJson = async <T>(path: string): Promise<T | undefined> => {
    const response = await gw.request(path);
    return response.status === 200 ? ((await response.json()) as T) : undefined;
  };

  const definition = (width: number): PipelineDefinition => ({
    nodes: [
      { id: 'resize', part: resize, parameters: { width } },
      { id: 'ocr', part: ocr, parameters: {} },
    ],
    edges: [
      { from: { node: 'source', port: 'image' }, to: { node: 'resize', port: 'image' } },
      { from: { node: 'resize', port: 'image' }, to: { node: 'ocr', port: 'image' } },
    ],
  });

  beforeAll(async () => {
    [image, ai] = await Promise.all([startCompute('compute-image'), startCompute('compute-ai')]);
    gw = await startGateway({ COMPUTE_ADDRESSES: `${image.address},${ai.address}` });
    serde = new EventSerde({ registryUrl: gw.config.SCHEMA_REGISTRY_URL });
    const parts = ((await (await gw.request('/api/v1/parts')).json()) as PartsCatalog).parts;
    const pick = (id: string) => {
      const part = parts.find((p) => p.id === id);
      if (!part) throw new Error(`no part ${id} in the catalog`);
      return { id: part.id, version: part.version };
    };
    resize = pick('pre.resize');
    ocr = pick('ai.ocr');

    projector = gw.kafka.consumer({ groupId: uniqueName('gateway-pipelines-it'), maxWaitTimeInMs: 100 });
    await projector.connect();
    await projector.subscribe({ topic: gw.config.PIPELINES_TOPIC, fromBeginning: true });
    await projector.run({
      eachBatch: async ({ batch }) => {
        const events: LoggedEvent[] = [];
        for (const message of batch.messages) {
          const decoded = await serde.decode(message.value as Buffer);
          const key = message.key?.toString() ?? null;
          published.push({ type: decoded.type, key, event: decoded.event });
          events.push({
            topic: batch.topic,
            partition: batch.partition,
            offset: message.offset,
            key,
            schemaId: decoded.schemaId,
            decoded: decoded as LoggedEvent['decoded'],
          });
        }
        if (!events.length) return;
        await applyProjectionBatch(gw.db, {
          consumer: 'gateway-pipelines-it',
          topic: batch.topic,
          partition: batch.partition,
          nextOffset: String(Number(batch.lastOffset()) + 1),
          events,
          deadLetters: [],
        });
      },
    });
  });

  afterAll(async () => {
    await projector?.disconnect();
    await gw?.close();
    await Promise.all([image?.stop(), ai?.stop()]);
  });

  it('creates a pipeline, versions it, activates, rolls back, binds a camera, and reads it all back', async () => {
    const v1 = definition(640);
    const created = await gw.request(
      '/api/v1/pipelines',
      json('POST', { name: 'label reader', definition: v1, message: 'first' }),
    );
    expect(created.status).toBe(201);
    const first = (await created.json()) as {
      pipelineId: string;
      version: string;
      eventId: string;
      stageKinds: object;
    };
    expect(first.version).toBe(versionIdOf(v1));
    expect(first.stageKinds).toEqual({ resize: 'image', ocr: 'ai' });
    const pipelineId = first.pipelineId;

    // The event on the log: PipelineVersionCreated keyed by the pipeline id, stage kinds from the catalog.
    const createdEvent = await eventually(() =>
      published.find((p) => p.type === 'PipelineVersionCreated' && p.key === pipelineId),
    );
    const event = createdEvent.event as EventOf<'PipelineVersionCreated'>;
    expect(event).toMatchObject({
      pipelineId,
      version: first.version,
      name: 'label reader',
      message: 'first',
    });
    expect(JSON.parse(event.stageKindsJson)).toEqual({ resize: 'image', ocr: 'ai' });
    expect(event.createdBy).toMatch(/admin/);
    expect(event.envelope.eventId).toBe(first.eventId);

    await eventually(() => getJson(`/api/v1/pipelines/${pipelineId}/versions/${first.version}`), 10_000);
    const v2def = definition(320);
    const second = await gw.request(
      `/api/v1/pipelines/${pipelineId}/versions`,
      json('POST', { definition: v2def, message: 'smaller' }),
    );
    expect(second.status).toBe(201);
    const v2 = ((await second.json()) as { version: string }).version;
    expect(v2).toBe(versionIdOf(v2def));
    // The same definition again: no new version, nothing published.
    const again = await gw.request(
      `/api/v1/pipelines/${pipelineId}/versions`,
      json('POST', { definition: v1 }),
    );
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ version: first.version, created: false, eventId: null });

    await eventually(() => getJson(`/api/v1/pipelines/${pipelineId}/versions/${v2}`), 10_000);
    const activated = await gw.request(
      `/api/v1/pipelines/${pipelineId}/versions/${v2}/activate`,
      json('POST'),
    );
    expect(activated.status).toBe(202);
    expect(await activated.json()).toMatchObject({ pipelineId, version: v2, previousVersion: null });
    await eventually(
      async () =>
        (await getJson<{ activeVersion: { version: string } | null }>(`/api/v1/pipelines/${pipelineId}`))
          ?.activeVersion?.version === v2 || undefined,
      10_000,
    );
    const rollback = await gw.request(
      `/api/v1/pipelines/${pipelineId}/versions/${first.version}/activate`,
      json('POST'),
    );
    expect(rollback.status).toBe(202);
    expect(await rollback.json()).toMatchObject({ version: first.version, previousVersion: v2 });

    const bound = await gw.request(`/api/v1/bindings/camera/${cameraId}`, json('PUT', { pipelineId }));
    expect(bound.status).toBe(202);
    expect(await bound.json()).toMatchObject({ targetKind: 'CAMERA', targetId: cameraId, pipelineId });
    const bindingEvent = await eventually(() => published.find((p) => p.type === 'BindingSet'));
    expect(bindingEvent.key).toBe(`camera:${cameraId}`);

    type Details = {
      name: string;
      versionCount: number;
      activeVersion: { version: string } | null;
      activations: { version: string; rollback: boolean }[];
      bindings: { targetId: string }[];
    };
    const details = await eventually(async () => {
      const found = await getJson<Details>(`/api/v1/pipelines/${pipelineId}`);
      return found?.activations.length === 2 && found.bindings.length === 1 ? found : undefined;
    }, 10_000);
    expect(details).toMatchObject({
      name: 'label reader',
      versionCount: 2,
      activeVersion: { version: first.version },
    });
    expect(details.activations).toEqual([
      expect.objectContaining({ version: first.version, rollback: true }),
      expect.objectContaining({ version: v2, rollback: false }),
    ]);
    expect(details.bindings).toEqual([expect.objectContaining({ targetKind: 'CAMERA', targetId: cameraId })]);

    const versions =
      (
        await getJson<{ items: { version: string; seq: number; active: boolean; message: string | null }[] }>(
          `/api/v1/pipelines/${pipelineId}/versions`,
        )
      )?.items ?? [];
    expect(versions.map((v) => [v.version, v.seq, v.active, v.message])).toEqual([
      [v2, 2, false, 'smaller'],
      [first.version, 1, true, 'first'],
    ]);
    const one = await getJson<{ definition: PipelineDefinition; stageKinds: object }>(
      `/api/v1/pipelines/${pipelineId}/versions/${v2}`,
    );
    expect(one?.definition).toMatchObject({
      nodes: [{ id: 'resize', parameters: { width: 320 } }, { id: 'ocr' }],
    });
    expect(one?.stageKinds).toEqual({ resize: 'image', ocr: 'ai' });

    const list = await getJson<{ items: { id: string }[] }>('/api/v1/pipelines?limit=10');
    expect(list?.items.map((p) => p.id)).toContain(pipelineId);
    const bindings = await getJson<{ items: { targetId: string; pipelineId: string }[] }>(
      `/api/v1/bindings?pipelineId=${pipelineId}`,
    );
    expect(bindings?.items).toEqual([expect.objectContaining({ targetId: cameraId, pipelineId })]);

    const removed = await gw.request(`/api/v1/bindings/camera/${cameraId}`, json('DELETE'));
    expect(removed.status).toBe(202);
    await eventually(
      async () =>
        (await getJson<{ items: unknown[] }>(`/api/v1/bindings?pipelineId=${pipelineId}`))?.items.length === 0
          ? true
          : undefined,
      10_000,
    );
    expect(published.find((p) => p.type === 'BindingRemoved')?.key).toBe(`camera:${cameraId}`);
  });

  it('refuses a cyclic pipeline with 422 naming the nodes on the cycle, and publishes nothing', async () => {
    const before = published.length;
    const cyclic: PipelineDefinition = {
      nodes: [
        { id: 'a', part: resize, parameters: { width: 100 } },
        { id: 'b', part: resize, parameters: { width: 100 } },
      ],
      edges: [
        { from: { node: 'a', port: 'image' }, to: { node: 'b', port: 'image' } },
        { from: { node: 'b', port: 'image' }, to: { node: 'a', port: 'image' } },
      ],
    };
    const response = await gw.request(
      '/api/v1/pipelines',
      json('POST', { name: 'loop', definition: cyclic }),
    );
    expect(response.status).toBe(422);
    const body = (await response.json()) as { statusCode: number; message: string; issues: Issue[] };
    expect(body.statusCode).toBe(422);
    const cycle = body.issues.find((i) => i.code === 'CYCLE');
    expect(cycle?.cycle).toEqual(expect.arrayContaining(['a', 'b']));
    expect(body.message).toMatch(/cycle/i);
    expect(body.message).toMatch(/"a"|a → b|a -> b/);
    await new Promise((r) => setTimeout(r, 300));
    expect(published.length).toBe(before);
  });

  it('refuses an ill-typed pipeline naming the node, port and edge; unknown parts and bad parameters too', async () => {
    const illTyped: PipelineDefinition = {
      nodes: [
        { id: 'ocr', part: ocr, parameters: {} },
        { id: 'resize', part: resize, parameters: { width: 'wide' } },
        { id: 'ghost', part: { id: 'pre.no-such-part', version: '1.0.0' }, parameters: {} },
      ],
      edges: [
        { from: { node: 'source', port: 'image' }, to: { node: 'ocr', port: 'image' } },
        { from: { node: 'ocr', port: 'text' }, to: { node: 'resize', port: 'image' } },
        { from: { node: 'source', port: 'image' }, to: { node: 'ghost', port: 'image' } },
      ],
    };
    const response = await gw.request(
      '/api/v1/pipelines',
      json('POST', { name: 'typed wrong', definition: illTyped }),
    );
    expect(response.status).toBe(422);
    const { issues } = (await response.json()) as { issues: Issue[] };
    expect(issues).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ code: 'TYPE_MISMATCH', nodeId: 'resize', port: 'image', edge: 1 }),
        expect.objectContaining({ code: 'UNKNOWN_PART', nodeId: 'ghost' }),
        expect.objectContaining({ code: 'INVALID_PARAMETERS', nodeId: 'resize', path: '/width' }),
      ]),
    );
    const mismatch = issues.find((i) => i.code === 'TYPE_MISMATCH');
    expect(mismatch?.message).toMatch(/TEXT/);
    expect(mismatch?.message).toMatch(/IMAGE/);
  });

  it('bad bodies are 400, unknown pipelines and versions 404, camera keys 403', async () => {
    expect(
      (
        await gw.request(
          '/api/v1/pipelines',
          json('POST', { name: '', definition: { nodes: [], edges: [] } }),
        )
      ).status,
    ).toBe(400);
    expect(
      (await gw.request('/api/v1/pipelines', json('POST', { name: 'x', definition: { nodes: 'no' } })))
        .status,
    ).toBe(400);
    expect((await gw.request('/api/v1/pipelines/nope')).status).toBe(404);
    expect(
      (await gw.request('/api/v1/pipelines/nope/versions', json('POST', { definition: definition(10) })))
        .status,
    ).toBe(404);
    expect(
      (await gw.request('/api/v1/pipelines/nope/versions/sha256:00/activate', json('POST'))).status,
    ).toBe(404);
    expect((await gw.request('/api/v1/bindings/camera/c1', json('PUT', { pipelineId: 'nope' }))).status).toBe(
      404,
    );
    expect((await gw.request('/api/v1/bindings/robot/c1', json('PUT', { pipelineId: 'nope' }))).status).toBe(
      404,
    );
    const created = await gw.request(
      '/api/v1/api-keys',
      json('POST', { name: 'pipelines-camera', role: 'camera' }),
    );
    const camera = ((await created.json()) as { key: string }).key;
    expect((await gw.request('/api/v1/pipelines', { key: camera })).status).toBe(403);
    expect((await gw.request('/api/v1/bindings', { ...json('GET'), key: camera })).status).toBe(403);
  });
});
