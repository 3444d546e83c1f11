// Typed calls to the gateway. Same-origin: the gateway serves the canvas, and `vite` proxies /api in dev.
import type { PipelineDefinition } from '@imageflow/pipeline';
import type {
  ApiErrorBody,
  ComparePage,
  CreatePipelineRequest,
  CreateReplayRequest,
  CreateVersionRequest,
  ImageInfo,
  Page,
  PartsCatalogResponse,
  PipelineDetails,
  PipelineOperations,
  PipelineSummary,
  Replay,
  RunDetails,
  RunStarted,
  RunSummary,
  VersionCreated,
  VersionDetails,
  VersionSummary,
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
  listPipelines(cursor?: string): Promise<Page<PipelineSummary>>;
  getPipeline(pipelineId: string): Promise<PipelineDetails>;
  listVersions(pipelineId: string): Promise<{ items: VersionSummary[] }>;
  getVersion(pipelineId: string, version: string): Promise<VersionDetails>;
  activate(pipelineId: string, version: string): Promise<{ previousVersion: string | null }>;
  bind(kind: 'camera' | 'line', targetId: string, pipelineId: string): Promise<unknown>;
  unbind(kind: 'camera' | 'line', targetId: string): Promise<unknown>;
  /** `POST /api/v1/runs` (multipart): an image run through a saved version or through a draft definition. */
  startRun(
    image: Blob,
    target: { pipelineId: string; version: string } | { definition: PipelineDefinition },
  ): Promise<RunStarted>;
  /** `POST /api/v1/runs` (JSON): an image the gateway already stores, by its id. */
  startRunOnStored(
    imageId: string,
    target: { pipelineId: string; version: string } | { definition: PipelineDefinition },
  ): Promise<RunStarted>;
  listRuns(query: string, signal?: AbortSignal): Promise<Page<RunSummary>>;
  getRun(runId: string, signal?: AbortSignal): Promise<RunDetails>;
  getImage(imageId: string, signal?: AbortSignal): Promise<ImageInfo>;
  startReplay(body: CreateReplayRequest): Promise<{ replayId: string }>;
  getReplay(replayId: string, signal?: AbortSignal): Promise<Replay>;
  cancelReplay(replayId: string): Promise<unknown>;
  compareReplay(replayId: string, cursor?: string, signal?: AbortSignal): Promise<ComparePage>;
  getOperations(pipelineId: string, version?: string, signal?: AbortSignal): Promise<PipelineOperations>;
}

const messageOf = (body: ApiErrorBody | undefined, fallback: string): string => {
  if (!body) return fallback;
  return Array.isArray(body.message) ? body.message.join('; ') : body.message || fallback;
};

const enc = encodeURIComponent;

export function createApiClient(options: ApiClientOptions): ApiClient {
  const baseUrl = options.baseUrl ?? '';
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);

  async function request<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
    const headers: Record<string, string> = {
      Authorization: `Bearer ${options.apiKey}`,
      Accept: 'application/json',
    };
    const form = body instanceof FormData;
    // A FormData body sets its own multipart boundary.
    if (body !== undefined && !form) headers['Content-Type'] = 'application/json';
    const init: RequestInit = { method, headers };
    if (body !== undefined) init.body = form ? body : JSON.stringify(body);
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
    listPipelines: (cursor) =>
      request('GET', `/api/v1/pipelines?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`),
    getPipeline: (id) => request('GET', `/api/v1/pipelines/${enc(id)}`),
    listVersions: (id) => request('GET', `/api/v1/pipelines/${enc(id)}/versions`),
    getVersion: (id, version) => request('GET', `/api/v1/pipelines/${enc(id)}/versions/${enc(version)}`),
    activate: (id, version) =>
      request('POST', `/api/v1/pipelines/${enc(id)}/versions/${enc(version)}/activate`, {}),
    bind: (kind, targetId, pipelineId) =>
      request('PUT', `/api/v1/bindings/${kind}/${enc(targetId)}`, { pipelineId }),
    unbind: (kind, targetId) => request('DELETE', `/api/v1/bindings/${kind}/${enc(targetId)}`),
    startRun: (image, target) => {
      const form = new FormData();
      if ('definition' in target) form.set('definition', JSON.stringify(target.definition));
      else {
        form.set('pipelineId', target.pipelineId);
        form.set('version', target.version);
      }
      // The file last: the gateway may read the fields before it streams the image.
      form.set('image', image, image instanceof File ? image.name : 'image');
      return request('POST', '/api/v1/runs', form);
    },
    startRunOnStored: (imageId, target) => request('POST', '/api/v1/runs', { imageId, ...target }),
    listRuns: (query, signal) => request('GET', `/api/v1/runs${query ? `?${query}` : ''}`, undefined, signal),
    getRun: (id, signal) => request('GET', `/api/v1/runs/${enc(id)}`, undefined, signal),
    getImage: (id, signal) => request('GET', `/api/v1/images/${enc(id)}`, undefined, signal),
    startReplay: (body) => request('POST', '/api/v1/replays', body),
    getReplay: (id, signal) => request('GET', `/api/v1/replays/${enc(id)}`, undefined, signal),
    cancelReplay: (id) => request('POST', `/api/v1/replays/${enc(id)}/cancel`, {}),
    compareReplay: (id, cursor, signal) =>
      request(
        'GET',
        `/api/v1/replays/${enc(id)}/compare?limit=50${cursor ? `&cursor=${enc(cursor)}` : ''}`,
        undefined,
        signal,
      ),
    getOperations: (id, version, signal) =>
      request(
        'GET',
        `/api/v1/pipelines/${enc(id)}/operations${version ? `?version=${enc(version)}` : ''}`,
        undefined,
        signal,
      ),
  };
}
