// Replays over REST against the real stack: POST publishes ReplayRequested to the gateway's (unique) run-events
// topic, read back from Kafka and decoded through the registry; progress and compare read rows written with
// persistence's applyProjectionBatch (the projector's own write path) into the gateway's scratch database.
import type { EventOf, StepOutput } from '@imageflow/contracts';
import { EventSerde } from '@imageflow/messaging';
import { buildEvent, consumeMessages, deleteTopics, uniqueName } from '@imageflow/messaging/testing';
import { applyProjectionBatch } from '@imageflow/persistence';
import {
  aDefinition,
  aPipelineVersionCreated,
  aRunCompleted,
  aRunStarted,
  aStepCompleted,
  sha256Hex,
} from '@imageflow/persistence/testing';
import { uuidv7 } from 'uuidv7';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type GatewayHarness } from '../testing/gateway-harness';
import type { ComparePage, ReplayResponse } from './replays.schemas';

type Projectable = Parameters<typeof applyProjectionBatch>[1]['events'][number]['decoded'];

const DAY = 24 * 3_600_000;

describe('replays and compare over REST (real Kafka, registry, Postgres)', () => {
  let gw: GatewayHarness;
  let serde: EventSerde;
  const runEventsTopic = uniqueName('it.gateway.run-events');
  const pipelineId = uniqueName('replay-pipe');
  const v1 = aPipelineVersionCreated({ pipelineId, definitionJson: JSON.stringify(aDefinition(640)) });
  const v2 = aPipelineVersionCreated({ pipelineId, definitionJson: JSON.stringify(aDefinition(320)) });
  const baselineVersion = v1.event.version;
  const targetVersion = v2.event.version;
  const base = Date.parse('2026-11-20T08:00:00Z');
  let offset = 0;
  let clock = base;
  /** A replay event as the projections see it. */
  const replayEvent = <T extends 'ReplayRequested' | 'ReplayProgressed' | 'ReplayFinished'>(
    type: T,
    overrides: Parameters<typeof buildEvent<T>>[1],
  ): Projectable => ({ type, event: buildEvent(type, overrides) }) as Projectable;

  async function project(events: Projectable[]): Promise<void> {
    await applyProjectionBatch(gw.db, {
      consumer: 'gateway-replays-it',
      topic: runEventsTopic,
      partition: 0,
      nextOffset: String(offset + events.length),
      events: events.map((decoded) => ({
        topic: runEventsTopic,
        partition: 0,
        offset: String(offset++),
        key: null,
        schemaId: 1,
        decoded,
      })),
      deadLetters: [],
    });
  }

  const post = (path: string, body: unknown, key?: string) =>
    gw.request(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      ...(key === undefined ? {} : { key }),
    });

  const validBody = () => ({
    pipelineId,
    targetVersion,
    baselineVersion,
    filter: {
      from: '2026-11-20T00:00:00Z',
      to: '2026-11-21T00:00:00Z',
      cameraIds: ['cam-a', 'cam-b'],
      lots: ['LOT-7'],
    },
  });

  interface Found {
    verdict: 'OK' | 'NG' | null;
    labels?: string[];
    text?: string;
  }

  /** One run of `version` on an image (a replay run when replayId is set), completed with the given findings. */
  function aRun(
    imageId: string,
    version: string,
    replayId: string | null,
    found: Found | 'running',
  ): Projectable[] {
    const runId = uuidv7();
    clock += 1_000;
    const envelope = () => ({ runId, imageId, pipelineId, pipelineVersion: version, occurredAt: clock++ });
    const started = aRunStarted({
      envelope: envelope(),
      trigger: replayId ? 'REPLAY' : 'CAPTURE',
      replayId,
    });
    if (found === 'running') return [started];
    const outputs: StepOutput[] = [
      {
        port: 'detections',
        kind: 'DETECTIONS',
        object: null,
        detections: (found.labels ?? []).map((label, i) => ({
          label,
          score: 0.9,
          x: i,
          y: i,
          width: 10,
          height: 10,
          text: found.text ?? null,
          classId: null,
        })),
        text: null,
        measurements: null,
        judgement: null,
      },
      {
        port: 'text',
        kind: 'TEXT',
        object: null,
        detections: null,
        text: found.text ?? null,
        measurements: null,
        judgement: null,
      },
    ];
    return [
      started,
      aStepCompleted({ envelope: envelope(), nodeId: 'detect', partId: 'ai.detect', outputs }),
      aRunCompleted({ envelope: envelope(), verdict: found.verdict ?? 'OK' }),
    ];
  }

  beforeAll(async () => {
    gw = await startGateway({ RUN_EVENTS_TOPIC: runEventsTopic, REPLAY_MAX_WINDOW_MS: String(7 * DAY) });
    serde = new EventSerde({ registryUrl: gw.config.SCHEMA_REGISTRY_URL });
    await project([v1, v2]);
  });

  afterAll(async () => {
    if (gw) {
      await deleteTopics(gw.kafka, [runEventsTopic]);
      await gw.close();
    }
  });

  it('POST /replays publishes ReplayRequested keyed by a new replay id, and its progress reads the replays table', async () => {
    const response = await post('/api/v1/replays', validBody());
    expect(response.status).toBe(202);
    const { replayId, eventId } = (await response.json()) as { replayId: string; eventId: string };
    expect(replayId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7/);

    const [message] = await consumeMessages(gw.kafka, runEventsTopic, 1);
    expect(message?.message.key?.toString()).toBe(replayId);
    const decoded = await serde.decode(message?.message.value as Buffer);
    expect(decoded.type).toBe('ReplayRequested');
    const event = decoded.event as EventOf<'ReplayRequested'>;
    expect(event).toMatchObject({
      envelope: { eventId, type: 'ReplayRequested', pipelineId, pipelineVersion: targetVersion },
      replayId,
      filter: {
        from: Date.parse('2026-11-20T00:00:00Z'),
        to: Date.parse('2026-11-21T00:00:00Z'),
        cameraIds: ['cam-a', 'cam-b'],
        lineIds: [],
        lots: ['LOT-7'],
      },
      targetPipelineId: pipelineId,
      targetVersion,
      baselineVersion,
    });
    expect(event.requestedBy).toMatch(/\(key .+\)$/);

    expect((await gw.request(`/api/v1/replays/${replayId}`)).status).toBe(404);
    await project([
      decoded as Projectable,
      replayEvent('ReplayProgressed', {
        envelope: { occurredAt: base + 1 },
        replayId,
        matched: 3,
        started: 2,
        scanComplete: false,
      }),
    ]);
    const progress = (await (await gw.request(`/api/v1/replays/${replayId}`)).json()) as ReplayResponse;
    expect(progress).toMatchObject({
      id: replayId,
      pipelineId,
      targetVersion,
      baselineVersion,
      filter: {
        from: '2026-11-20T00:00:00.000Z',
        to: '2026-11-21T00:00:00.000Z',
        cameraIds: ['cam-a', 'cam-b'],
        lineIds: [],
        lots: ['LOT-7'],
      },
      status: 'running',
      matched: 3,
      started: 2,
      scanComplete: false,
      finishedAt: null,
      runs: { total: 0, queued: 0, running: 0, completed: 0, failed: 0 },
    });

    const cancel = await gw.request(`/api/v1/replays/${replayId}/cancel`, { method: 'POST' });
    expect(cancel.status).toBe(202);
    const cancelled = (await cancel.json()) as { replayId: string; eventId: string };
    expect(cancelled.replayId).toBe(replayId);
    // Both are keyed by the replay id, so they share a partition and come in order.
    const [, last] = await consumeMessages(gw.kafka, runEventsTopic, 2);
    expect(last?.message.key?.toString()).toBe(replayId);
    const cancelEvent = await serde.decode(last?.message.value as Buffer);
    expect(cancelEvent.type).toBe('ReplayCancelRequested');
    expect(cancelEvent.event).toMatchObject({ envelope: { eventId: cancelled.eventId }, replayId });
  });

  it('compare: per image differences against the baseline version and totals as constructed', async () => {
    const replayId = uuidv7();
    const image = (n: number) => sha256Hex(`${replayId}-${n}`);
    const requested = replayEvent('ReplayRequested', {
      envelope: { occurredAt: base },
      replayId,
      targetPipelineId: pipelineId,
      targetVersion,
      baselineVersion,
      filter: { from: base - DAY, to: base + DAY, cameraIds: [], lineIds: [], lots: [] },
      requestedBy: 'it',
    });
    // An original run of a third version on image 1 that must not be taken as the baseline (it says NG).
    const v3 = 'sha256:other';
    await project([
      requested,
      // 1: OK → NG
      ...aRun(image(1), baselineVersion, null, { verdict: 'OK', labels: ['dent'] }),
      ...aRun(image(1), v3, null, { verdict: 'NG', labels: ['dent'] }),
      ...aRun(image(1), targetVersion, replayId, { verdict: 'NG', labels: ['dent'] }),
      // 2: NG → OK
      ...aRun(image(2), baselineVersion, null, { verdict: 'NG', labels: ['scratch'] }),
      ...aRun(image(2), targetVersion, replayId, { verdict: 'OK', labels: ['scratch'] }),
      // 3: unchanged (same verdict, labels and texts)
      ...aRun(image(3), baselineVersion, null, { verdict: 'OK', labels: ['dent', 'dent'], text: 'LOT-7' }),
      ...aRun(image(3), targetVersion, replayId, { verdict: 'OK', labels: ['dent', 'dent'], text: 'LOT-7' }),
      // 4: same verdict, detections and texts differ
      ...aRun(image(4), baselineVersion, null, { verdict: 'OK', labels: ['dent', 'dent'], text: 'LOT-7' }),
      ...aRun(image(4), targetVersion, replayId, {
        verdict: 'OK',
        labels: ['dent', 'scratch'],
        text: 'L0T-7',
      }),
      // 5: no baseline run of the image
      ...aRun(image(5), targetVersion, replayId, { verdict: 'OK' }),
      // 6: the replay's run has not finished
      ...aRun(image(6), baselineVersion, null, { verdict: 'OK' }),
      ...aRun(image(6), targetVersion, replayId, 'running'),
    ]);

    const first = (await (await gw.request(`/api/v1/replays/${replayId}/compare`)).json()) as ComparePage;
    expect(first.totals).toEqual({
      images: 6,
      okToNg: 1,
      ngToOk: 1,
      unchanged: 1,
      changed: 1,
      missingBaseline: 1,
      pending: 1,
    });
    expect(first.nextCursor).toBeNull();
    const byImage = new Map(first.items.map((item) => [item.imageId, item]));
    expect([1, 2, 3, 4, 5, 6].map((n) => byImage.get(image(n))?.outcome)).toEqual([
      'okToNg',
      'ngToOk',
      'unchanged',
      'changed',
      'missingBaseline',
      'pending',
    ]);
    const okToNg = byImage.get(image(1));
    expect(okToNg?.baseline).toMatchObject({
      pipelineVersion: baselineVersion,
      verdict: 'OK',
      labels: { dent: 1 },
    });
    expect(okToNg?.replay).toMatchObject({
      pipelineVersion: targetVersion,
      verdict: 'NG',
      labels: { dent: 1 },
    });
    expect(byImage.get(image(4))?.differences).toEqual({
      verdict: false,
      labels: { dent: { baseline: 2, replay: 1 }, scratch: { baseline: 0, replay: 1 } },
      detectionTexts: true,
      texts: { 'detect.text': { baseline: 'LOT-7', replay: 'L0T-7' } },
    });
    expect(byImage.get(image(3))?.differences).toEqual({
      verdict: false,
      labels: {},
      detectionTexts: false,
      texts: {},
    });

    // Cursor pagination walks every image once, in image id order, with the same totals on every page.
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `?limit=4&cursor=${cursor}` : '?limit=4';
      const page = (await (
        await gw.request(`/api/v1/replays/${replayId}/compare${query}`)
      ).json()) as ComparePage;
      expect(page.totals.images).toBe(6);
      expect(page.items.length).toBeLessThanOrEqual(4);
      seen.push(...page.items.map((item) => item.imageId));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual([1, 2, 3, 4, 5, 6].map(image).sort());
    expect((await gw.request(`/api/v1/replays/${replayId}/compare?cursor=%21%21`)).status).toBe(400);

    // Without a baseline version, the original (non-replay) run of the same pipeline is the baseline.
    const originalReplay = uuidv7();
    await project([
      replayEvent('ReplayRequested', {
        envelope: { occurredAt: base },
        replayId: originalReplay,
        targetPipelineId: pipelineId,
        targetVersion,
        baselineVersion: null,
        filter: { from: base - DAY, to: base + DAY, cameraIds: [], lineIds: [], lots: [] },
        requestedBy: 'it',
      }),
      ...aRun(image(1), targetVersion, originalReplay, { verdict: 'NG', labels: ['dent'] }),
      replayEvent('ReplayFinished', {
        envelope: { occurredAt: base + 5 },
        replayId: originalReplay,
        outcome: 'COMPLETED',
        matched: 1,
        started: 1,
        message: null,
      }),
    ]);
    const original = (await (
      await gw.request(`/api/v1/replays/${originalReplay}/compare`)
    ).json()) as ComparePage;
    expect(original.baselineVersion).toBeNull();
    expect(original.totals).toMatchObject({ images: 1, pending: 0, missingBaseline: 0 });
    // Both original runs of image 1 are non-replay runs; the newer finished one (v3, NG) is taken: unchanged.
    expect(original.items[0]?.baseline?.pipelineVersion).toBe(v3);
    expect(original.items[0]?.outcome).toBe('unchanged');
    const finished = (await (await gw.request(`/api/v1/replays/${originalReplay}`)).json()) as ReplayResponse;
    expect(finished).toMatchObject({
      status: 'completed',
      matched: 1,
      started: 1,
      scanComplete: true,
      runs: { total: 1, completed: 1 },
    });
    expect(finished.finishedAt).not.toBeNull();
  });

  it('refuses bad input with 400, unknown versions and replays with 404, and camera keys with 403', async () => {
    const bad = async (body: unknown): Promise<string> => {
      const response = await post('/api/v1/replays', body);
      expect(response.status).toBe(400);
      return ((await response.json()) as { message: string }).message;
    };
    const body = validBody();
    expect(await bad({ ...body, filter: { ...body.filter, from: body.filter.to } })).toMatch(
      /filter\.from: from must be before to/,
    );
    expect(
      await bad({
        ...body,
        filter: { ...body.filter, from: '2026-11-01T00:00:00Z', to: '2026-11-09T00:00:00Z' },
      }),
    ).toMatch(/filter\.to: the window may span at most 604800000 ms/);
    expect(await bad({ ...body, filter: { ...body.filter, from: 'yesterday' } })).toMatch(/filter\.from/);
    expect(await bad({ ...body, extra: 1 })).toMatch(/extra/);
    expect(await bad({ pipelineId })).toMatch(/targetVersion/);
    expect(
      (
        await gw.request('/api/v1/replays', {
          method: 'POST',
          body: 'not json',
          headers: { 'content-type': 'application/json' },
        })
      ).status,
    ).toBe(400);

    const unknownVersion = await post('/api/v1/replays', { ...body, targetVersion: 'sha256:nope' });
    expect(unknownVersion.status).toBe(404);
    expect(((await unknownVersion.json()) as { message: string }).message).toMatch(/no version sha256:nope/);
    expect((await post('/api/v1/replays', { ...body, baselineVersion: 'sha256:nope' })).status).toBe(404);
    expect((await post('/api/v1/replays', { ...body, pipelineId: uniqueName('nope') })).status).toBe(404);

    const unknown = uuidv7();
    expect((await gw.request(`/api/v1/replays/${unknown}`)).status).toBe(404);
    expect((await gw.request(`/api/v1/replays/${unknown}/compare`)).status).toBe(404);
    expect((await gw.request(`/api/v1/replays/${unknown}/cancel`, { method: 'POST' })).status).toBe(404);

    const created = await post('/api/v1/api-keys', { name: 'replay camera', role: 'camera' });
    expect(created.status).toBe(201);
    const { key } = (await created.json()) as { key: string };
    const forbidden = await post('/api/v1/replays', body, key);
    expect(forbidden.status).toBe(403);
    expect((await gw.request(`/api/v1/replays/${unknown}`, { key })).status).toBe(403);
    expect((await gw.request(`/api/v1/replays/${unknown}/compare`, { key })).status).toBe(403);
    expect((await gw.request(`/api/v1/replays/${unknown}/cancel`, { method: 'POST', key })).status).toBe(403);
    expect((await gw.request('/api/v1/replays/x', { key: null })).status).toBe(401);
  });
});
