// Live run updates end to end inside the gateway: real run events published to a unique run-events topic on the real
// Kafka (Avro through the real registry), read by the gateway's own live consumer, fanned out over a real WebSocket.
import {
  LIVE_BEARER_PROTOCOL_PREFIX,
  LIVE_PATH,
  LIVE_PROTOCOL,
  type EventOf,
  type EventType,
  type LiveServerMessage,
} from '@imageflow/contracts';
import { EventProducer, EventSerde } from '@imageflow/messaging';
import { buildEvent, deleteTopics, uniqueName } from '@imageflow/messaging/testing';
import { uuidv7 } from 'uuidv7';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startGateway, type GatewayHarness } from '../testing/gateway-harness';

interface Client {
  socket: WebSocket;
  messages: LiveServerMessage[];
  /** Resolves with the first `count` messages matching `filter`. */
  waitFor(count: number, filter?: (m: LiveServerMessage) => boolean): Promise<LiveServerMessage[]>;
  close(): Promise<void>;
}

describe('live run updates over WebSocket', () => {
  let gw: GatewayHarness;
  let producer: EventProducer;
  const topic = uniqueName('it.gateway.live.run-events');
  const pipelineId = uniqueName('pl-live');
  const otherPipeline = uniqueName('pl-other');
  const wsUrl = () => `${gw.baseUrl.replace('http', 'ws')}${LIVE_PATH}`;

  function connect(protocols: string[], headers: Record<string, string> = {}): Promise<Client> {
    const socket = new WebSocket(wsUrl(), protocols, { headers });
    const messages: LiveServerMessage[] = [];
    const waiters: Array<() => void> = [];
    socket.on('message', (data) => {
      messages.push(JSON.parse(String(data)) as LiveServerMessage);
      for (const wake of waiters.splice(0)) wake();
    });
    const client: Client = {
      socket,
      messages,
      waitFor: (count, filter = () => true) =>
        new Promise((resolve, reject) => {
          const timer = setTimeout(
            () => reject(new Error(`only ${JSON.stringify(messages.filter(filter))} within 30 s`)),
            30_000,
          );
          const check = () => {
            const matching = messages.filter(filter);
            if (matching.length >= count) {
              clearTimeout(timer);
              resolve(matching.slice(0, count));
            } else waiters.push(check);
          };
          check();
        }),
      close: () =>
        new Promise((resolve) => {
          if (socket.readyState === WebSocket.CLOSED) return resolve();
          socket.once('close', () => resolve());
          socket.close();
        }),
    };
    return new Promise((resolve, reject) => {
      socket.once('open', () => resolve(client));
      socket.once('error', reject);
    });
  }

  /** The HTTP status of a refused upgrade (the socket never opens). */
  function refusedStatus(protocols: string[], headers: Record<string, string> = {}): Promise<number> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(wsUrl(), protocols, { headers });
      socket.once('unexpected-response', (_req, res) => {
        resolve(res.statusCode ?? 0);
        socket.terminate();
      });
      socket.once('open', () => reject(new Error('the upgrade was accepted')));
      socket.once('error', () => undefined);
    });
  }

  const publish = <T extends EventType>(type: T, event: EventOf<T>) =>
    producer.publish(topic, event.envelope.runId ?? 'none', type, event);

  beforeAll(async () => {
    gw = await startGateway({ RUN_EVENTS_TOPIC: topic, LIVE_GROUP_PREFIX: uniqueName('it.gateway.live') });
    producer = new EventProducer(
      gw.kafka,
      new EventSerde({ registryUrl: gw.config.SCHEMA_REGISTRY_URL, clientId: 'gateway-live-it' }),
    );
    await producer.connect();
  });

  afterAll(async () => {
    await producer?.disconnect();
    await gw?.close();
    if (gw) await deleteTopics(gw.kafka, [topic]);
  });

  it('refuses an upgrade without a valid key with 401 before any socket opens', async () => {
    expect(await refusedStatus([LIVE_PROTOCOL])).toBe(401);
    expect(await refusedStatus([LIVE_PROTOCOL, `${LIVE_BEARER_PROTOCOL_PREFIX}not-a-key`])).toBe(401);
    expect(await refusedStatus([LIVE_PROTOCOL], { authorization: 'Bearer not-a-key' })).toBe(401);
    // A valid key without the live protocol is a client mistake, not an auth failure.
    expect(await refusedStatus(['chat'], { authorization: `Bearer ${gw.adminKey}` })).toBe(400);
  });

  it("streams one run's steps in order with states and durations, and nothing of other runs", async () => {
    const runId = uuidv7();
    const otherRunId = uuidv7();
    // A browser-style client (key in the subprotocol) on the run, a header client on another run only.
    const watcher = await connect([LIVE_PROTOCOL, `${LIVE_BEARER_PROTOCOL_PREFIX}${gw.adminKey}`]);
    expect(watcher.socket.protocol).toBe(LIVE_PROTOCOL);
    const bystander = await connect([LIVE_PROTOCOL], { authorization: `Bearer ${gw.adminKey}` });
    const pipelineWatcher = await connect([LIVE_PROTOCOL], { authorization: `Bearer ${gw.adminKey}` });
    watcher.socket.send(JSON.stringify({ type: 'subscribe', runId }));
    bystander.socket.send(JSON.stringify({ type: 'subscribe', runId: otherRunId }));
    pipelineWatcher.socket.send(JSON.stringify({ type: 'subscribe', pipelineId }));
    pipelineWatcher.socket.send(JSON.stringify({ type: 'subscribe' }));
    const [ack] = await watcher.waitFor(1, (m) => m.type === 'ack');
    expect(ack).toEqual({ type: 'ack', request: { type: 'subscribe', runId }, ok: true, error: null });
    await bystander.waitFor(1, (m) => m.type === 'ack');
    const pipelineAcks = await pipelineWatcher.waitFor(2, (m) => m.type === 'ack');
    expect(pipelineAcks.map((a) => a.type === 'ack' && a.ok)).toEqual([true, false]);

    const t0 = Date.now() - 10_000;
    const envelope = (at: number) => ({ runId, pipelineId, pipelineVersion: 'v1', occurredAt: t0 + at });
    const timings = { queuedMs: 1, fetchMs: 2, computeMs: 30, storeMs: 3, totalMs: 36 };
    await publish('RunStarted', buildEvent('RunStarted', { envelope: envelope(0), trigger: 'MANUAL' }));
    await publish(
      'StepRequested',
      buildEvent('StepRequested', { envelope: envelope(10), nodeId: 'resize', attempt: 1 }),
    );
    await publish(
      'StepStarted',
      buildEvent('StepStarted', { envelope: envelope(25), nodeId: 'resize', attempt: 1 }),
    );
    await publish(
      'StepCompleted',
      buildEvent('StepCompleted', { envelope: envelope(110), nodeId: 'resize', attempt: 1, timings }),
    );
    await publish(
      'StepRequested',
      buildEvent('StepRequested', { envelope: envelope(120), nodeId: 'judge', attempt: 1 }),
    );
    await publish(
      'StepFailed',
      buildEvent('StepFailed', {
        envelope: envelope(170),
        nodeId: 'judge',
        attempt: 1,
        code: 'TIMEOUT',
        message: 'no result within 50 ms',
        retryable: true,
      }),
    );
    await publish(
      'RunCompleted',
      buildEvent('RunCompleted', {
        envelope: envelope(300),
        verdict: 'OK',
        durationMs: 300,
        skippedNodeIds: ['annotate'],
      }),
    );
    const at = (ms: number) => new Date(t0 + ms).toISOString();
    const expected: LiveServerMessage[] = [
      {
        type: 'run.started',
        runId,
        pipelineId,
        pipelineVersion: 'v1',
        imageId: expect.any(String) as unknown as string,
        trigger: 'MANUAL',
        at: at(0),
      },
      ...(
        [
          ['resize', 'requested', 10, null, null],
          ['resize', 'running', 25, null, null],
          ['resize', 'done', 110, 100, null],
          ['judge', 'requested', 120, null, null],
          ['judge', 'failed', 170, 50, { code: 'TIMEOUT', message: 'no result within 50 ms' }],
          ['annotate', 'skipped', 300, null, null],
        ] as const
      ).map(([nodeId, state, ms, durationMs, error]): LiveServerMessage => ({
        type: 'step',
        runId,
        pipelineId,
        nodeId,
        state,
        attempt: 1,
        at: at(ms),
        durationMs,
        error,
      })),
      {
        type: 'run.finished',
        runId,
        pipelineId,
        status: 'COMPLETED',
        verdict: 'OK',
        at: at(300),
        durationMs: 300,
        error: null,
      },
    ];
    const received = await watcher.waitFor(expected.length, (m) => m.type !== 'ack');
    expect(received).toEqual(expected);
    // The pipeline subscription sees the same run, and nothing of the other pipeline.
    expect(await pipelineWatcher.waitFor(expected.length, (m) => m.type !== 'ack')).toEqual(expected);

    // Then a run of another pipeline, under the bystander's run id. Its arrival at the bystander means the gateway has
    // fanned out everything before it (each socket is FIFO): the bystander got only that run.
    await publish(
      'RunStarted',
      buildEvent('RunStarted', {
        envelope: { runId: otherRunId, pipelineId: otherPipeline, occurredAt: t0 },
      }),
    );
    const [marker] = await bystander.waitFor(1, (m) => m.type !== 'ack');
    expect(bystander.messages.filter((m) => m.type !== 'ack')).toEqual([marker]);
    expect(marker).toMatchObject({ type: 'run.started', runId: otherRunId, pipelineId: otherPipeline });
    // An ack answered after that fan-out would come after any message wrongly sent to the pipeline watcher.
    pipelineWatcher.socket.send(JSON.stringify({ type: 'unsubscribe', pipelineId }));
    await pipelineWatcher.waitFor(3, (m) => m.type === 'ack');
    expect(pipelineWatcher.messages.filter((m) => m.type !== 'ack')).toEqual(expected);

    // A camera key may not watch runs: refused before the upgrade too.
    const created = await gw.request('/api/v1/api-keys', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: uniqueName('camera'), role: 'camera' }),
    });
    const camera = ((await created.json()) as { key: string }).key;
    expect(await refusedStatus([LIVE_PROTOCOL], { authorization: `Bearer ${camera}` })).toBe(403);

    const metrics = await (await fetch(`${gw.baseUrl}/metrics`)).text();
    expect(metrics).toMatch(/imageflow_live_clients\{[^}]*\} 3/);
    expect(metrics).toMatch(/imageflow_live_messages_sent_total\{type="step"[^}]*\} 12/);
    await Promise.all([watcher.close(), bystander.close(), pipelineWatcher.close()]);
  });

  it('skips a message that does not decode and keeps streaming', async () => {
    const runId = uuidv7();
    const watcher = await connect([LIVE_PROTOCOL], { authorization: `Bearer ${gw.adminKey}` });
    watcher.socket.send(JSON.stringify({ type: 'subscribe', runId }));
    await watcher.waitFor(1, (m) => m.type === 'ack');
    await producer.sendRaw(topic, [{ key: runId, value: Buffer.from('not avro at all') }]);
    await publish('RunStarted', buildEvent('RunStarted', { envelope: { runId, pipelineId } }));
    const [started] = await watcher.waitFor(1, (m) => m.type === 'run.started');
    expect(started).toMatchObject({ type: 'run.started', runId });
    const metrics = await (await fetch(`${gw.baseUrl}/metrics`)).text();
    expect(metrics).toMatch(/imageflow_live_events_undecodable_total\{[^}]*\} 1/);
    await watcher.close();
  });
});
