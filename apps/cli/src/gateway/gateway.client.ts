// The CLI's only way into the system: the gateway's REST API over HTTP (ARCHITECTURE.md; scope:cli has no
// Kafka, Postgres or S3 clients). Every failure becomes a GatewayError with a sentence a person can act on.
import { ATTR, injectTraceContext, inSpan, SpanKind } from '@imageflow/observability';
import type { Connection } from '../config/cli.config';

export interface CaptureFields {
  cameraId: string;
  lineId?: string | undefined;
  lot?: string | undefined;
  serial?: string | undefined;
  capturedAt?: string | undefined;
  source?: 'CAMERA' | 'AGENT' | 'UPLOAD' | 'SIMULATOR' | undefined;
}

export interface IngestResult {
  imageId: string;
  duplicate: boolean;
  eventId: string;
}

export interface RunSummary {
  id: string;
  imageId: string | null;
  pipelineId: string | null;
  pipelineVersion: string | null;
  cameraId: string | null;
  lineId: string | null;
  lot: string | null;
  serial: string | null;
  status: string;
  verdict: 'OK' | 'NG' | null;
  startedAt: string;
  finishedAt: string | null;
  durationMs: number | null;
  [more: string]: unknown;
}

export interface RunPage {
  items: RunSummary[];
  nextCursor: string | null;
}

export interface RunsFilter {
  status?: string | undefined;
  cameraId?: string | undefined;
  lineId?: string | undefined;
  lot?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
  limit?: number | undefined;
  cursor?: string | undefined;
}

export type GatewayErrorKind =
  | 'unreachable' // connection refused, reset, DNS, timeout: the gateway (or the network) is down
  | 'unauthorized' // 401
  | 'forbidden' // 403
  | 'rate-limited' // 429
  | 'unavailable' // 5xx
  | 'rejected'; // other 4xx: this request will never succeed as it is

export class GatewayError extends Error {
  override name = 'GatewayError';
  constructor(
    message: string,
    readonly kind: GatewayErrorKind,
    readonly status: number | null = null,
    /** From Retry-After, when the gateway sent one. */
    readonly retryAfterMs: number | null = null,
  ) {
    super(message);
  }

  /** Worth sending again later unchanged (the edge agent keeps the capture and backs off). */
  get retryable(): boolean {
    return this.kind === 'unreachable' || this.kind === 'rate-limited' || this.kind === 'unavailable';
  }
}

/** Retry-After is either seconds or an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfter(value: string | null, now = Date.now()): number | null {
  if (!value) return null;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

function networkCode(error: unknown): string | null {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && NETWORK_CODES.has(code)) return code;
    if (current instanceof Error && current.name === 'TimeoutError') return 'ETIMEDOUT';
    current = (current as { cause?: unknown }).cause;
  }
  return null;
}

export class GatewayClient {
  constructor(
    private readonly connection: Connection,
    private readonly timeoutMs = 30_000,
  ) {}

  get url(): string {
    return this.connection.gatewayUrl;
  }

  async ingest(
    bytes: Uint8Array,
    contentType: string,
    fields: CaptureFields,
    idempotencyKey?: string,
  ): Promise<IngestResult> {
    const query = new URLSearchParams();
    for (const [name, value] of Object.entries(fields))
      if (value !== undefined) query.set(name, String(value));
    const headers: Record<string, string> = { 'content-type': contentType };
    if (idempotencyKey) headers['idempotency-key'] = idempotencyKey;
    return this.request<IngestResult>('POST', `/api/v1/images?${query}`, { body: bytes, headers });
  }

  listRuns(filter: RunsFilter): Promise<RunPage> {
    const query = new URLSearchParams();
    for (const [name, value] of Object.entries(filter))
      if (value !== undefined) query.set(name, String(value));
    const suffix = query.size ? `?${query}` : '';
    return this.request<RunPage>('GET', `/api/v1/runs${suffix}`);
  }

  getRun(id: string): Promise<Record<string, unknown>> {
    return this.request<Record<string, unknown>>('GET', `/api/v1/runs/${encodeURIComponent(id)}`);
  }

  /** POST /api/v1/replays (types in ../replay/replay.types.ts). */
  startReplay<T>(body: unknown): Promise<T> {
    return this.request<T>('POST', '/api/v1/replays', jsonBody(body));
  }

  getReplay<T>(id: string): Promise<T> {
    return this.request<T>('GET', `/api/v1/replays/${encodeURIComponent(id)}`);
  }

  cancelReplay<T>(id: string): Promise<T> {
    return this.request<T>('POST', `/api/v1/replays/${encodeURIComponent(id)}/cancel`);
  }

  compareReplay<T>(id: string, page: { limit: number; cursor?: string | null }): Promise<T> {
    const query = new URLSearchParams({ limit: String(page.limit) });
    if (page.cursor) query.set('cursor', page.cursor);
    return this.request<T>('GET', `/api/v1/replays/${encodeURIComponent(id)}/compare?${query}`);
  }

  /**
   * One CLIENT span per request (a no-op without tracing); its `traceparent` header makes the gateway's span its
   * child, so an edge agent's upload starts the image's trace.
   */
  private request<T>(
    method: string,
    path: string,
    init: { body?: Uint8Array; headers?: Record<string, string> } = {},
  ): Promise<T> {
    const route = path.split('?')[0] ?? path;
    return inSpan(
      `${method} ${route}`,
      { kind: SpanKind.CLIENT, attributes: { [ATTR.httpMethod]: method, 'url.path': route } },
      () => {
        const headers: Record<string, string> = { ...init.headers };
        injectTraceContext(headers);
        return this.send<T>(method, path, { ...init, headers });
      },
    );
  }

  private async send<T>(
    method: string,
    path: string,
    init: { body?: Uint8Array; headers?: Record<string, string> } = {},
  ): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json', ...init.headers };
    if (this.connection.apiKey) headers['authorization'] = `Bearer ${this.connection.apiKey}`;
    let response: Response;
    try {
      response = await fetch(`${this.connection.gatewayUrl}${path}`, {
        method,
        headers,
        ...(init.body ? { body: init.body } : {}),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      const code = networkCode(error);
      const cause = (error as { cause?: unknown }).cause;
      const why = code
        ? ` (${code})`
        : cause instanceof Error
          ? ` (${cause.message})`
          : error instanceof Error
            ? ` (${error.message})`
            : '';
      throw new GatewayError(
        `cannot reach the gateway at ${this.connection.gatewayUrl}${why}`,
        'unreachable',
      );
    }
    const text = await response.text().catch(() => '');
    if (response.ok) {
      try {
        return JSON.parse(text) as T;
      } catch {
        throw new GatewayError(
          `the gateway answered ${response.status} with a body that is not JSON`,
          'unavailable',
          response.status,
        );
      }
    }
    throw this.toError(response, text);
  }

  private toError(response: Response, text: string): GatewayError {
    let detail = text.slice(0, 500);
    try {
      const body = JSON.parse(text) as { message?: unknown };
      if (body.message !== undefined)
        detail = Array.isArray(body.message) ? body.message.join('; ') : String(body.message);
    } catch {
      // Not the gateway's JSON error shape (a proxy page, say): show the start of the text.
    }
    const status = response.status;
    const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
    if (status === 401) {
      const hint =
        this.connection.keySource === 'none'
          ? 'no key was given: pass --key, set IMAGEFLOW_API_KEY, or run beside a local gateway that wrote .imageflow/admin-key'
          : `the key came from ${describeKeySource(this.connection.keySource)}`;
      return new GatewayError(`the API key was refused (401): ${hint}`, 'unauthorized', status);
    }
    if (status === 403)
      return new GatewayError(`the API key may not do this (403): ${detail}`, 'forbidden', status);
    if (status === 429) {
      const wait = retryAfterMs === null ? '' : `; retry after ${Math.ceil(retryAfterMs / 1000)} s`;
      return new GatewayError(
        `the gateway is rate limiting this key (429)${wait}`,
        'rate-limited',
        status,
        retryAfterMs,
      );
    }
    if (status >= 500) {
      return new GatewayError(
        `the gateway failed (${status}): ${detail || response.statusText}`,
        'unavailable',
        status,
        retryAfterMs,
      );
    }
    return new GatewayError(
      `the gateway refused the request (${status}): ${detail || response.statusText}`,
      'rejected',
      status,
    );
  }
}

function jsonBody(body: unknown): { body: Uint8Array; headers: Record<string, string> } {
  return { body: Buffer.from(JSON.stringify(body)), headers: { 'content-type': 'application/json' } };
}

function describeKeySource(source: Connection['keySource']): string {
  switch (source) {
    case 'flag':
      return '--key';
    case 'env':
      return 'IMAGEFLOW_API_KEY';
    case 'file':
      return 'the admin key file (.imageflow/admin-key); a gateway reset may have replaced it';
    default:
      return 'nowhere';
  }
}
