// Who is watching what, and the fan-out of live messages to them. Sending never waits for a client: each socket's
// queue is bounded (LIVE_MAX_BUFFERED_BYTES), and a client that lets it overflow is dropped with close code 1013
// ("try again later") so one slow browser cannot hold memory or delay everybody else.
import { Inject, Injectable } from '@nestjs/common';
import type { LiveAck, LiveClientMessage, LiveServerMessage } from '@imageflow/contracts';
import { Counter, Gauge, type Logger, type Registry } from '@imageflow/observability';
import type { WebSocket } from 'ws';
import { GATEWAY_CONFIG, type GatewayConfig } from '../../config/gateway.config';
import { LOGGER, METRICS_REGISTRY } from '../../platform/platform.tokens';

/** Close codes (RFC 6455 §7.4.1). */
export const CLOSE_GOING_AWAY = 1001;
export const CLOSE_TRY_AGAIN_LATER = 1013;

interface Client {
  socket: WebSocket;
  keyName: string;
  runIds: Set<string>;
  pipelineIds: Set<string>;
  dropped: boolean;
}

type AckOf = Omit<LiveAck, 'request'> & { request: LiveClientMessage | unknown };

@Injectable()
export class LiveHub {
  private readonly clients = new Map<WebSocket, Client>();
  private readonly byRun = new Map<string, Set<Client>>();
  private readonly byPipeline = new Map<string, Set<Client>>();
  private readonly connected: Gauge;
  private readonly sent: Counter<'type'>;
  private readonly dropped: Counter<'reason'>;

  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(METRICS_REGISTRY) metrics: Registry,
  ) {
    this.connected = new Gauge({
      name: 'imageflow_live_clients',
      help: 'WebSocket clients connected to /api/v1/live',
      registers: [metrics],
    });
    this.sent = new Counter({
      name: 'imageflow_live_messages_sent_total',
      help: 'Live messages sent to WebSocket clients (one per client and message)',
      labelNames: ['type'],
      registers: [metrics],
    });
    this.dropped = new Counter({
      name: 'imageflow_live_clients_dropped_total',
      help: 'Live clients closed by the gateway (slow = send buffer over LIVE_MAX_BUFFERED_BYTES)',
      labelNames: ['reason'],
      registers: [metrics],
    });
  }

  get size(): number {
    return this.clients.size;
  }

  add(socket: WebSocket, keyName: string): void {
    this.clients.set(socket, {
      socket,
      keyName,
      runIds: new Set(),
      pipelineIds: new Set(),
      dropped: false,
    });
    this.connected.set(this.clients.size);
  }

  remove(socket: WebSocket): void {
    const client = this.clients.get(socket);
    if (!client) return;
    for (const runId of client.runIds) this.unindex(this.byRun, runId, client);
    for (const pipelineId of client.pipelineIds) this.unindex(this.byPipeline, pipelineId, client);
    this.clients.delete(socket);
    this.connected.set(this.clients.size);
  }

  /** Applies a subscribe / unsubscribe and answers with its ack. */
  request(socket: WebSocket, message: LiveClientMessage): void {
    const client = this.clients.get(socket);
    if (!client) return;
    const [ids, index, id] =
      'runId' in message
        ? [client.runIds, this.byRun, message.runId]
        : [client.pipelineIds, this.byPipeline, message.pipelineId];
    if (message.type === 'subscribe') {
      if (
        !ids.has(id) &&
        client.runIds.size + client.pipelineIds.size >= this.config.LIVE_MAX_SUBSCRIPTIONS
      ) {
        this.ack(client, {
          type: 'ack',
          request: message,
          ok: false,
          error: `at most ${this.config.LIVE_MAX_SUBSCRIPTIONS} subscriptions per connection; unsubscribe first`,
        });
        return;
      }
      ids.add(id);
      let set = index.get(id);
      if (!set) index.set(id, (set = new Set()));
      set.add(client);
    } else {
      ids.delete(id);
      this.unindex(index, id, client);
    }
    this.ack(client, { type: 'ack', request: message, ok: true, error: null });
  }

  /** Refuses a message that is not a valid request, echoing what was sent. */
  refuse(socket: WebSocket, request: unknown, error: string): void {
    const client = this.clients.get(socket);
    if (client) this.ack(client, { type: 'ack', request, ok: false, error });
  }

  /** Sends a message to every client subscribed to its run or its pipeline (each client once). */
  publish(message: Exclude<LiveServerMessage, LiveAck>): void {
    const targets = new Set<Client>([
      ...(this.byRun.get(message.runId) ?? []),
      ...(message.pipelineId ? (this.byPipeline.get(message.pipelineId) ?? []) : []),
    ]);
    if (targets.size === 0) return;
    const text = JSON.stringify(message);
    for (const client of targets) this.send(client, text, message.type);
  }

  /** Shutdown: every client is told the server is going away. */
  closeAll(): void {
    for (const client of this.clients.values())
      client.socket.close(CLOSE_GOING_AWAY, 'gateway shutting down');
  }

  private ack(client: Client, ack: AckOf): void {
    this.send(client, JSON.stringify(ack), 'ack');
  }

  private send(client: Client, text: string, type: string): void {
    if (client.dropped || client.socket.readyState !== client.socket.OPEN) return;
    if (client.socket.bufferedAmount + Buffer.byteLength(text) > this.config.LIVE_MAX_BUFFERED_BYTES) {
      this.drop(client);
      return;
    }
    client.socket.send(text);
    this.sent.inc({ type });
  }

  private drop(client: Client): void {
    client.dropped = true;
    this.dropped.inc({ reason: 'slow' });
    this.logger.warn(
      { key: client.keyName, buffered: client.socket.bufferedAmount },
      'live client too slow: its send buffer is full; closing it with 1013',
    );
    this.remove(client.socket);
    client.socket.close(CLOSE_TRY_AGAIN_LATER, 'too slow: send buffer full, reconnect');
    // The close frame queues behind the data the client is not reading; do not wait for it for ever.
    setTimeout(() => client.socket.terminate(), 5_000).unref();
  }

  private unindex(index: Map<string, Set<Client>>, id: string, client: Client): void {
    const set = index.get(id);
    if (!set) return;
    set.delete(client);
    if (set.size === 0) index.delete(id);
  }
}
