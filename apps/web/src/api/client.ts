// Typed calls to the gateway. Same-origin: the gateway serves the canvas, and `vite` proxies /api in dev.
import type {
  ApiErrorBody,
  CreatePipelineRequest,
  CreateVersionRequest,
  PartsCatalogResponse,
  VersionCreated,
} from './types';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly body: ApiErrorBody | undefined,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** 401: the key is unknown or revoked; 403: the key's role may not do this (e.g. a camera key). */
  get unauthorized(): boolean {
    return this.status === 401 || this.status === 403;
  }
}

export interface ApiClientOptions {
  apiKey: string;
  baseUrl?: string;
  fetch?: typeof fetch;
}

export interface ApiClient {
  listParts(signal?: AbortSignal): Promise<PartsCatalogResponse>;
  createPipeline(body: CreatePipelineRequest): Promise<VersionCreated>;
  createVersion(pipelineId: string, body: CreateVersionRequest): Promise<VersionCreated>;
}

const messageOf = (body: ApiErrorBody | undefined, fallback: string): string => {
  if (!body) return fallback;
  return Array.isArray(body.message) ? body.message.join('; ') : body.message || fallback;
};

export function createApiClient(options: ApiClientOptions): ApiClient {
  const baseUrl = options.baseUrl ?? '';
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);

  async function request<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
    const headers: Record<string, string> = {
      Authorization: `Bearer ${options.apiKey}`,
      Accept: 'application/json',
    };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const init: RequestInit = { method, headers };
    if (body !== undefined) init.body = JSON.stringify(body);
    if (signal) init.signal = signal;
    const res = await doFetch(`${baseUrl}${path}`, init);
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    if (!res.ok) {
      const errBody = parsed && typeof parsed === 'object' ? (parsed as ApiErrorBody) : undefined;
      throw new ApiError(res.status, messageOf(errBody, `${method} ${path}: HTTP ${res.status}`), errBody);
    }
    return parsed as T;
  }

  return {
    listParts: (signal) => request<PartsCatalogResponse>('GET', '/api/v1/parts', undefined, signal),
    createPipeline: (body) => request<VersionCreated>('POST', '/api/v1/pipelines', body),
    createVersion: (pipelineId, body) =>
      request<VersionCreated>('POST', `/api/v1/pipelines/${encodeURIComponent(pipelineId)}/versions`, body),
  };
}
