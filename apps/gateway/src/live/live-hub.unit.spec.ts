import type { LiveServerMessage } from '@imageflow/contracts';
import { createLogger, createMetricsRegistry } from '@imageflow/observability';
import { describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';
import type { GatewayConfig } from '../config/gateway.config';
import { parseClientMessage } from './live-events.mapper';
import { CLOSE_TRY_AGAIN_LATER, LiveHub } from './services/live-hub.service';

/** The part of a ws socket the hub uses; `bufferedAmount` is what the client has not read yet. */
class FakeSocket {
  readonly OPEN = 1;
  readyState = 1;
  bufferedAmount = 0;
  sent: string[] = [];
  closed: { code: number; reason: string } | null = null;
  send(text: string): void {
    this.sent.push(text);
  }
  close(code: number, reason: string): void {
    this.closed = { code, reason };
    this.readyState = 2;
  }
  terminate(): void {
    this.readyState = 3;
  }
}

const step = (runId: string, pipelineId = 'p'): Exclude<LiveServerMessage, { type: 'ack' }> => ({
  type: 'step',
  runId,
  pipelineId,
  nodeId: 'n',
  state: 'running',
  attempt: 1,
  at: '2026-11-28T00:00:00.000Z',
  durationMs: null,
  error: null,
});

function hubWith(limits: Partial<GatewayConfig> = {}) {
  const registry = createMetricsRegistry('gateway');
  const hub = new LiveHub(
    { LIVE_MAX_BUFFERED_BYTES: 10_000, LIVE_MAX_SUBSCRIPTIONS: 3, ...limits } as GatewayConfig,
    createLogger('test', 'silent'),
    registry,
  );
  const connect = () => {
    const fake = new FakeSocket();
    hub.add(fake as unknown as WebSocket, 'test-key');
    return { fake, socket: fake as unknown as WebSocket };
  };
  return { hub, registry, connect };
}

const payloads = (fake: FakeSocket) => fake.sent.map((t) => JSON.parse(t) as LiveServerMessage);

describe('LiveHub', () => {
  it('sends a message once to each client subscribed to its run or its pipeline, and to no one else', () => {
    const { hub, connect } = hubWith();
    const both = connect();
    const other = connect();
    hub.request(both.socket, { type: 'subscribe', runId: 'r1' });
    hub.request(both.socket, { type: 'subscribe', pipelineId: 'p' });
    hub.request(other.socket, { type: 'subscribe', runId: 'r2' });
    hub.publish(step('r1'));
    expect(payloads(both.fake).filter((m) => m.type === 'step')).toHaveLength(1);
    expect(payloads(other.fake).filter((m) => m.type === 'step')).toHaveLength(0);

    hub.request(both.socket, { type: 'unsubscribe', runId: 'r1' });
    hub.request(both.socket, { type: 'unsubscribe', pipelineId: 'p' });
    hub.publish(step('r1'));
    expect(payloads(both.fake).filter((m) => m.type === 'step')).toHaveLength(1);
  });

  it('drops a client whose send buffer would overflow with close code 1013; the others still get everything', () => {
    const { hub, connect, registry } = hubWith({ LIVE_MAX_BUFFERED_BYTES: 1_000 });
    const slow = connect();
    const fast = connect();
    hub.request(slow.socket, { type: 'subscribe', runId: 'r1' });
    hub.request(fast.socket, { type: 'subscribe', runId: 'r1' });
    slow.fake.bufferedAmount = 900;
    hub.publish(step('r1'));
    expect(slow.fake.closed?.code).toBe(CLOSE_TRY_AGAIN_LATER);
    expect(hub.size).toBe(1);
    hub.publish(step('r1'));
    expect(payloads(fast.fake).filter((m) => m.type === 'step')).toHaveLength(2);
    expect(payloads(slow.fake).filter((m) => m.type === 'step')).toHaveLength(0);
    return registry.metrics().then((text) => {
      expect(text).toMatch(/imageflow_live_clients_dropped_total\{reason="slow"[^}]*\} 1/);
      expect(text).toMatch(/imageflow_live_clients\{[^}]*\} 1/);
    });
  });

  it('refuses subscriptions over the limit with an ack saying why', () => {
    const { hub, connect } = hubWith({ LIVE_MAX_SUBSCRIPTIONS: 2 });
    const c = connect();
    hub.request(c.socket, { type: 'subscribe', runId: 'a' });
    hub.request(c.socket, { type: 'subscribe', runId: 'b' });
    hub.request(c.socket, { type: 'subscribe', runId: 'c' });
    const acks = payloads(c.fake);
    expect(acks.map((a) => a.type === 'ack' && a.ok)).toEqual([true, true, false]);
    expect(acks[2]).toMatchObject({ error: expect.stringMatching(/at most 2 subscriptions/) });
  });
});

describe('parseClientMessage', () => {
  it('accepts subscribe / unsubscribe by run or pipeline id', () => {
    expect(parseClientMessage('{"type":"subscribe","runId":"r"}')).toEqual({
      ok: true,
      message: { type: 'subscribe', runId: 'r' },
    });
    expect(parseClientMessage('{"type":"unsubscribe","pipelineId":"p"}')).toMatchObject({ ok: true });
  });

  it('refuses anything else with a reason', () => {
    expect(parseClientMessage('nope')).toMatchObject({ ok: false, error: expect.stringMatching(/not JSON/) });
    expect(parseClientMessage('{"type":"subscribe"}')).toMatchObject({ ok: false });
    expect(parseClientMessage('{"type":"subscribe","runId":"r","pipelineId":"p"}')).toMatchObject({
      ok: false,
    });
    expect(parseClientMessage('{"type":"delete","runId":"r"}')).toMatchObject({ ok: false });
  });
});
