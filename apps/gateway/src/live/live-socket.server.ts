// WebSocket endpoint /api/v1/live (contract: @imageflow/contracts live.ts) on the gateway's own HTTP server.
// The upgrade is authenticated BEFORE it happens, with the same API keys and roles as REST: a missing or unknown key
// gets a plain HTTP 401, a camera key 403, and no socket is ever opened for them. The key is always sent explicitly
// (header or subprotocol), never as a cookie, so a page of another origin cannot ride on a user's session: no Origin
// check is needed.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import {
  Inject,
  Injectable,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { LIVE_BEARER_PROTOCOL_PREFIX, LIVE_PATH, LIVE_PROTOCOL } from '@imageflow/contracts';
import { errorMessage, type DecodedEvent, type EventSerde, type Kafka } from '@imageflow/messaging';
import { Counter, type Logger, type Registry } from '@imageflow/observability';
import type { ApiKeyRecord } from '@imageflow/persistence';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { DEFAULT_ROLES } from '../auth/auth.decorators';
import { ApiKeysService } from '../auth/services/api-keys.service';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway.config';
import { EVENT_SERDE, KAFKA, LOGGER, METRICS_REGISTRY } from '../platform/platform.tokens';
import { RunEventsTail } from './adapters/run-events-tail.adapter';
import { isLiveSourceEvent, LiveEventsMapper, parseClientMessage } from './live-events.mapper';
import { LiveHub } from './services/live-hub.service';

const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i;
/** Largest client frame: requests are tiny JSON objects. */
const MAX_CLIENT_FRAME_BYTES = 4_096;
/** Ping period; a client that misses a whole period is gone (half-open TCP) and is terminated. */
const HEARTBEAT_MS = 30_000;

type HttpServer = {
  on(event: 'upgrade', listener: (req: IncomingMessage, socket: Duplex, head: Buffer) => void): unknown;
  off(event: 'upgrade', listener: (req: IncomingMessage, socket: Duplex, head: Buffer) => void): unknown;
};

/** Offered subprotocols, from the Sec-WebSocket-Protocol header (comma list). */
export function offeredProtocols(header: string | string[] | undefined): string[] {
  const value = Array.isArray(header) ? header.join(',') : (header ?? '');
  return value
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
}

/** The API key of an upgrade request: the Authorization header first, else the bearer subprotocol. */
export function presentedKey(req: Pick<IncomingMessage, 'headers'>): string | undefined {
  const header = req.headers.authorization;
  if (header) return BEARER.exec(header)?.[1];
  const protocol = offeredProtocols(req.headers['sec-websocket-protocol']).find((p) =>
    p.startsWith(LIVE_BEARER_PROTOCOL_PREFIX),
  );
  const key = protocol?.slice(LIVE_BEARER_PROTOCOL_PREFIX.length);
  return key || undefined;
}

function refuseUpgrade(socket: Duplex, status: number, reason: string, message: string): void {
  const body = JSON.stringify({ statusCode: status, error: reason, message });
  const extra = status === 401 ? 'WWW-Authenticate: Bearer realm="imageflow"\r\n' : '';
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n${extra}\r\n${body}`,
  );
}

@Injectable()
export class LiveSocketServer
  implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown
{
  private readonly wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_CLIENT_FRAME_BYTES,
    // Answer with the live protocol only: the bearer "protocol" carries the key and must never be echoed.
    handleProtocols: (protocols) => (protocols.has(LIVE_PROTOCOL) ? LIVE_PROTOCOL : false),
  });
  private readonly mapper = new LiveEventsMapper();
  private readonly tail: RunEventsTail;
  private readonly undecodable: Counter;
  private server: HttpServer | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private readonly alive = new WeakSet<WebSocket>();

  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(KAFKA) kafka: Kafka,
    @Inject(EVENT_SERDE) serde: EventSerde,
    @Inject(METRICS_REGISTRY) metrics: Registry,
    private readonly adapterHost: HttpAdapterHost,
    private readonly apiKeys: ApiKeysService,
    private readonly hub: LiveHub,
  ) {
    this.undecodable = new Counter({
      name: 'imageflow_live_events_undecodable_total',
      help: 'Run-log messages the live view skipped because they did not decode',
      registers: [metrics],
    });
    this.tail = new RunEventsTail(kafka, serde, logger, {
      topic: config.RUN_EVENTS_TOPIC,
      groupPrefix: config.LIVE_GROUP_PREFIX,
      ensureTopic: config.ENSURE_INFRASTRUCTURE,
      onEvent: (decoded) => this.onEvent(decoded),
      onUndecodable: (error, where) => {
        this.undecodable.inc();
        this.logger.warn(
          { ...where, topic: config.RUN_EVENTS_TOPIC, err: errorMessage(error) },
          'run-log message does not decode; skipped by the live view',
        );
      },
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    const server = this.adapterHost.httpAdapter.getHttpServer() as HttpServer;
    this.server = server;
    server.on('upgrade', this.onUpgrade);
    this.heartbeat = setInterval(() => this.ping(), HEARTBEAT_MS);
    this.heartbeat.unref();
    await this.tail.start();
  }

  beforeApplicationShutdown(): void {
    this.server?.off('upgrade', this.onUpgrade);
    if (this.heartbeat) clearInterval(this.heartbeat);
    // Upgraded sockets would keep the HTTP server from closing.
    this.hub.closeAll();
    for (const socket of this.wss.clients) setTimeout(() => socket.terminate(), 1_000).unref();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.tail.stop();
    for (const socket of this.wss.clients) socket.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  private readonly onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const path = new URL(req.url ?? '/', 'http://gateway').pathname;
    if (path !== LIVE_PATH) {
      refuseUpgrade(socket, 404, 'Not Found', `no WebSocket endpoint at ${path}; use ${LIVE_PATH}`);
      return;
    }
    socket.on('error', (error) => this.logger.debug({ err: error }, 'live upgrade socket error'));
    void this.authenticate(req)
      .then((key) => {
        if ('refused' in key) {
          refuseUpgrade(socket, key.refused, key.refused === 403 ? 'Forbidden' : 'Unauthorized', key.message);
          return;
        }
        if (!offeredProtocols(req.headers['sec-websocket-protocol']).includes(LIVE_PROTOCOL)) {
          refuseUpgrade(
            socket,
            400,
            'Bad Request',
            `offer the subprotocol ${LIVE_PROTOCOL} (Sec-WebSocket-Protocol)`,
          );
          return;
        }
        this.wss.handleUpgrade(req, socket, head, (ws) => this.onConnection(ws, key));
      })
      .catch((error: unknown) => {
        this.logger.error({ err: error }, 'live upgrade failed');
        refuseUpgrade(socket, 503, 'Service Unavailable', 'could not check the API key; retry');
      });
  };

  /** The key record, or why it is refused (401: no or unknown key, 403: a role that may not watch runs). */
  private async authenticate(
    req: IncomingMessage,
  ): Promise<ApiKeyRecord | { refused: 401 | 403; message: string }> {
    const token = presentedKey(req);
    if (!token)
      return {
        refused: 401,
        message: req.headers.authorization
          ? 'malformed Authorization header: expected "Bearer <key>"'
          : `missing API key: send "Authorization: Bearer <key>" or the subprotocol ${LIVE_BEARER_PROTOCOL_PREFIX}<key>`,
      };
    const key = await this.apiKeys.authenticate(token);
    if (!key) return { refused: 401, message: 'unknown or revoked API key' };
    if (!DEFAULT_ROLES.includes(key.role))
      return {
        refused: 403,
        message: `a ${key.role} key may not watch runs; it needs one of: ${DEFAULT_ROLES.join(', ')}`,
      };
    return key;
  }

  private onConnection(ws: WebSocket, key: ApiKeyRecord): void {
    this.hub.add(ws, key.name);
    this.alive.add(ws);
    ws.on('pong', () => this.alive.add(ws));
    ws.on('message', (data: RawData, isBinary: boolean) => {
      if (isBinary) {
        this.hub.refuse(ws, null, 'send JSON text frames');
        return;
      }
      const parsed = parseClientMessage(rawText(data));
      if (parsed.ok) this.hub.request(ws, parsed.message);
      else this.hub.refuse(ws, parsed.request, parsed.error);
    });
    ws.on('close', () => this.hub.remove(ws));
    ws.on('error', (error) => {
      // e.g. a frame over maxPayload: ws closes the socket itself (1009); nothing else is affected.
      this.logger.debug({ err: error, key: key.name }, 'live client error');
      this.hub.remove(ws);
    });
  }

  private onEvent(decoded: DecodedEvent): void {
    if (!isLiveSourceEvent(decoded)) return;
    for (const message of this.mapper.map(decoded)) {
      if (message.type !== 'ack') this.hub.publish(message);
    }
  }

  private ping(): void {
    for (const ws of this.wss.clients) {
      if (!this.alive.has(ws)) {
        ws.terminate();
        continue;
      }
      this.alive.delete(ws);
      ws.ping();
    }
  }
}

function rawText(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}
