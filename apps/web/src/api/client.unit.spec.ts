import { describe, expect, it } from 'vitest';
import { ApiError, createApiClient } from './client';

const respond = (status: number, body: unknown) => {
  const calls: { url: string; init: RequestInit | undefined }[] = [];
  const fetch = async (url: string | URL | Request, init?: RequestInit) => {
    calls.push({ url: String(url), init });
    return new Response(body === undefined ? '' : JSON.stringify(body), { status });
  };
  return { calls, fetch: fetch as typeof globalThis.fetch };
};

describe('api client', () => {
  it('sends the key as a bearer token and parses the parts catalog', async () => {
    const { calls, fetch } = respond(200, { parts: [], sources: [], fetchedAt: '2026-01-01T00:00:00.000Z' });
    const catalog = await createApiClient({ apiKey: 'k1', fetch }).listParts();
    expect(catalog.parts).toEqual([]);
    expect(calls[0]?.url).toBe('/api/v1/parts');
    expect(new Headers(calls[0]?.init?.headers).get('authorization')).toBe('Bearer k1');
  });

  it('turns gateway errors into ApiError with status and message', async () => {
    const { fetch } = respond(401, { statusCode: 401, error: 'Unauthorized', message: 'unknown API key' });
    const err = await createApiClient({ apiKey: 'bad', fetch })
      .listParts()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ status: 401, message: 'unknown API key', unauthorized: true });
  });

  it('keeps 422 issues and survives bodies that are not JSON', async () => {
    const issues = [{ code: 'CYCLE', message: 'cycle: a → b → a', cycle: ['a', 'b', 'a'] }];
    const { fetch, calls } = respond(422, {
      statusCode: 422,
      error: 'Unprocessable Entity',
      message: 'invalid',
      issues,
    });
    const err = await createApiClient({ apiKey: 'k', fetch })
      .createPipeline({ name: 'p', definition: { nodes: [], edges: [] } })
      .catch((e: unknown) => e);
    expect((err as ApiError).body?.issues).toEqual(issues);
    expect(calls[0]?.init?.method).toBe('POST');
    const plain = async () => new Response('<html>bad gateway</html>', { status: 502 });
    const err2 = await createApiClient({ apiKey: 'k', fetch: plain as typeof globalThis.fetch })
      .createVersion('p 1', { definition: { nodes: [], edges: [] } })
      .catch((e: unknown) => e);
    expect(err2).toMatchObject({
      status: 502,
      message: 'POST /api/v1/pipelines/p%201/versions: HTTP 502',
      unauthorized: false,
    });
  });
});
