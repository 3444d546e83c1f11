// POST /api/v1/runs against the real gateway: the image lands in raw-images under its SHA-256, and a RunStarted
// (trigger MANUAL) goes to the run-events topic, read back here from Kafka and decoded through the registry. The
// version is projected with persistence's applyProjectionBatch (the projector's write path). Drafts need the live
// parts catalog and are covered end to end in e2e/platform/src/manual-run.e2e.spec.ts.
import { EventSerde } from '@imageflow/messaging';
import { consumeMessages, deleteTopics, uniqueName } from '@imageflow/messaging/testing';
import { applyProjectionBatch } from '@imageflow/persistence';
import { aPipelineVersionCreated } from '@imageflow/persistence/testing';
import { canonicalDefinition, versionIdOf, type PipelineDefinition } from '@imageflow/pipeline';
import { sha256Hex } from '@imageflow/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type GatewayHarness } from '../testing/gateway-harness';
import { randomImage } from '../testing/test-images';

/** The raw-images key prefix of exactly these bytes (another image may share the two-character folder). */
const keyPrefixOf = (bytes: Buffer): string => {
  const id = sha256Hex(bytes);
  return `sha256/${id.slice(0, 2)}/${id}`;
};

describe('POST /api/v1/runs (manual runs)', () => {
  let gw: GatewayHarness;
  let serde: EventSerde;
  const topic = uniqueName('it.gateway.manual-runs');
  const pipelineId = uniqueName('pl-manual');
  const definition: PipelineDefinition = {
    nodes: [
      {
        id: 'resize',
        part: { id: 'pre.resize', version: '1.0.0' },
        parameters: { width: 32 },
        label: 'Resize',
      },
    ],
    edges: [{ from: { node: 'source', port: 'image' }, to: { node: 'resize', port: 'image' } }],
  };
  const version = versionIdOf(definition);

  const upload = (fields: Record<string, string>, image?: Buffer, part = 'image') => {
    const form = new FormData();
    if (image) form.set(part, new Blob([image], { type: 'image/png' }), 'x.png');
    for (const [name, value] of Object.entries(fields)) form.set(name, value);
    return gw.request('/api/v1/runs', { method: 'POST', body: form });
  };
  const rerun = (body: unknown) =>
    gw.request('/api/v1/runs', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const messageOf = async (response: Response) => ((await response.json()) as { message: string }).message;

  beforeAll(async () => {
    gw = await startGateway({ RUN_EVENTS_TOPIC: topic, LIVE_GROUP_PREFIX: uniqueName('it.gateway.manual') });
    serde = new EventSerde({ registryUrl: gw.config.SCHEMA_REGISTRY_URL, clientId: 'gateway-manual-it' });
    const created = aPipelineVersionCreated({
      pipelineId,
      version,
      definitionJson: JSON.stringify(definition),
      stageKindsJson: JSON.stringify({ resize: 'image' }),
    });
    await applyProjectionBatch(gw.db, {
      consumer: 'gateway-manual-it',
      topic: 'it.pipelines',
      partition: 0,
      nextOffset: '1',
      events: [
        { topic: 'it.pipelines', partition: 0, offset: '0', key: pipelineId, schemaId: 1, decoded: created },
      ],
      deadLetters: [],
    });
  });

  afterAll(async () => {
    await gw?.close();
    if (gw) await deleteTopics(gw.kafka, [topic]);
  });

  it('stores the upload under its SHA-256 and appends RunStarted (MANUAL); the stored image runs again by id', async () => {
    const png = await randomImage('png', 40, 30);
    const imageId = sha256Hex(png);
    const response = await upload({ pipelineId, version, lot: 'LOT-M', serial: 'SN-1' }, png);
    expect(response.status, await response.clone().text()).toBe(202);
    const started = (await response.json()) as Record<string, string>;
    expect(started).toEqual({ runId: expect.any(String), imageId, pipelineId, pipelineVersion: version });
    const keys = await gw.store.list(gw.config.RAW_IMAGES_BUCKET, `sha256/${imageId.slice(0, 2)}/${imageId}`);
    expect(keys).toEqual([`sha256/${imageId.slice(0, 2)}/${imageId}.png`]);

    const again = await rerun({ imageId, pipelineId, version });
    expect(again.status, await again.clone().text()).toBe(202);
    const second = (await again.json()) as Record<string, string>;
    expect(second.runId).not.toBe(started.runId);

    const records = await consumeMessages(gw.kafka, topic, 2);
    const events = await Promise.all(records.map((r) => serde.decode(r.message.value as Buffer)));
    const byRun = new Map(events.map((e, i) => [records[i]?.message.key?.toString(), e]));
    for (const runId of [started.runId, second.runId]) {
      const decoded = byRun.get(runId);
      expect(decoded?.type).toBe('RunStarted');
      if (decoded?.type !== 'RunStarted') return;
      const event = decoded.event;
      expect(event.envelope).toMatchObject({ runId, imageId, pipelineId, pipelineVersion: version });
      expect(event.trigger).toBe('MANUAL');
      expect(event.replayId).toBeNull();
      expect(event.image).toMatchObject({
        bucket: gw.config.RAW_IMAGES_BUCKET,
        key: keys[0],
        size: png.length,
        contentType: 'image/png',
        sha256: imageId,
        width: 40,
        height: 30,
      });
      // What the orchestrator's parsePlan reads: the canonical definition with each node's stage kind.
      expect(JSON.parse(event.definitionJson)).toEqual({
        definition: canonicalDefinition(definition),
        stageKinds: { resize: 'image' },
      });
    }
    expect(byRun.get(started.runId)?.event).toMatchObject({
      capture: { cameraId: 'manual', lot: 'LOT-M', serial: 'SN-1', source: 'UPLOAD' },
    });
  });

  it('refuses bad images, unknown pipelines, versions and images, and malformed requests, storing nothing', async () => {
    const corrupt = Buffer.from('\x89PNG\r\n\x1a\nnot really a png');
    const bad = await upload({ pipelineId, version }, corrupt);
    expect(bad.status).toBe(400);
    expect(await messageOf(bad)).toMatch(/not a readable image/);
    expect(await gw.store.list(gw.config.RAW_IMAGES_BUCKET, keyPrefixOf(corrupt))).toEqual([]);

    const png = await randomImage('png', 8, 8);
    const noVersion = await upload({ pipelineId, version: 'sha256:nope' }, png);
    expect(noVersion.status).toBe(404);
    expect(await messageOf(noVersion)).toMatch(`pipeline ${pipelineId} has no version sha256:nope`);
    const noPipeline = await upload({ pipelineId: 'no-such-pipeline', version }, png);
    expect(noPipeline.status).toBe(404);
    expect(await messageOf(noPipeline)).toMatch(/no pipeline no-such-pipeline/);
    expect(await gw.store.list(gw.config.RAW_IMAGES_BUCKET, keyPrefixOf(png))).toEqual([]);

    const noImage = await rerun({ imageId: 'f'.repeat(64), pipelineId, version });
    expect(noImage.status).toBe(404);
    expect(await messageOf(noImage)).toMatch(/no stored image f{64}/);

    const both = await rerun({ imageId: 'f'.repeat(64), pipelineId, version, definition });
    expect(both.status).toBe(400);
    expect(await messageOf(both)).toMatch(/pipelineId and version .* or definition/);
    const wrongPart = await upload({ pipelineId, version }, png, 'file');
    expect(wrongPart.status).toBe(400);
    expect(await messageOf(wrongPart)).toMatch(/part named "image"/);
    const badDraft = await upload({ definition: '{not json' }, png);
    expect(badDraft.status).toBe(400);
    expect(await messageOf(badDraft)).toMatch(/definition: must be the JSON of a PipelineDefinition/);
    const text = await gw.request('/api/v1/runs', {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'hi',
    });
    expect(text.status).toBe(415);
    expect((await gw.request('/api/v1/runs', { method: 'POST', key: null })).status).toBe(401);
  });
});
