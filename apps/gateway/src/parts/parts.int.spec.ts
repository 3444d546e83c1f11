// GET /api/v1/parts against the real compute services: the built compute-image and compute-ai apps as child
// processes (compute-ai starts with an empty models bucket: Describe needs no model).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCompute, type RunningCompute } from '../testing/compute-services';
import { startGateway, type GatewayHarness } from '../testing/gateway-harness';
import type { PartsCatalog } from './parts.schemas';

describe('parts catalog over REST (real compute-image and compute-ai)', () => {
  let gw: GatewayHarness;
  let image: RunningCompute;
  let ai: RunningCompute;

  const catalog = async (key?: string): Promise<PartsCatalog> => {
    const response = await gw.request('/api/v1/parts', key ? { key } : {});
    expect(response.status).toBe(200);
    return (await response.json()) as PartsCatalog;
  };

  beforeAll(async () => {
    [image, ai] = await Promise.all([startCompute('compute-image'), startCompute('compute-ai')]);
    gw = await startGateway({
      COMPUTE_ADDRESSES: `${image.address},${ai.address}`,
      PARTS_CACHE_TTL_MS: '400',
    });
    // compute-ai reads models from the gateway's (empty, unique) models bucket.
  });

  afterAll(async () => {
    await gw?.close();
    await Promise.all([image?.stop(), ai?.stop()]);
  });

  it('lists the parts of both services with typed ports and parsed parameter schemas', async () => {
    const { parts, sources } = await catalog();
    const resize = parts.find((p) => p.id === 'pre.resize');
    const ocr = parts.find((p) => p.id === 'ai.ocr');
    expect(resize).toMatchObject({
      category: 'pre',
      stageKind: 'image',
      source: image.address,
      inputs: [expect.objectContaining({ name: 'image', kind: 'IMAGE', required: true })],
      outputs: expect.arrayContaining([expect.objectContaining({ name: 'image', kind: 'IMAGE' })]),
    });
    expect(resize?.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(resize?.title.en).not.toBe('');
    expect(resize?.title.ja).not.toBe('');
    expect(resize?.parametersSchema).toMatchObject({ type: 'object' });
    expect(Object.keys(resize?.parametersSchema['properties'] as object)).toContain('width');
    expect(ocr).toMatchObject({
      category: 'ai',
      stageKind: 'ai',
      source: ai.address,
      outputs: expect.arrayContaining([expect.objectContaining({ name: 'text', kind: 'TEXT' })]),
    });
    // Sorted for the palette: every pre part before every ai part before every post part.
    const order = parts.map((p) => ({ pre: 0, ai: 1, post: 2 })[p.category]);
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(parts.some((p) => p.category === 'post')).toBe(true);
    expect(sources).toEqual([
      expect.objectContaining({ address: image.address, service: 'compute-image', ok: true, error: null }),
      expect.objectContaining({ address: ai.address, service: 'compute-ai', ok: true, error: null }),
    ]);
    expect(sources[0]?.parts).toBe(parts.filter((p) => p.source === image.address).length);
    expect(sources.flatMap((s) => s.skipped)).toEqual([]);
  });

  it('serves the cached catalog within the TTL and asks again after it', async () => {
    const first = await catalog();
    const second = await catalog();
    expect(second.fetchedAt).toBe(first.fetchedAt);
    await new Promise((r) => setTimeout(r, 450));
    expect((await catalog()).fetchedAt).not.toBe(first.fetchedAt);
  });

  it('operators may read it, camera keys may not', async () => {
    const keyOf = async (role: string) => {
      const response = await gw.request('/api/v1/api-keys', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: `parts-${role}`, role }),
      });
      expect(response.status).toBe(201);
      return ((await response.json()) as { key: string }).key;
    };
    expect((await catalog(await keyOf('operator'))).parts.length).toBeGreaterThan(0);
    expect((await gw.request('/api/v1/parts', { key: await keyOf('camera') })).status).toBe(403);
    expect((await gw.request('/api/v1/parts', { key: null })).status).toBe(401);
  });

  it('with compute-ai stopped, still serves compute-image parts and names the failed source', async () => {
    await ai.stop();
    await new Promise((r) => setTimeout(r, 450));
    const { parts, sources } = await catalog();
    expect(parts.some((p) => p.id === 'pre.resize')).toBe(true);
    expect(parts.filter((p) => p.category === 'ai')).toEqual([]);
    expect(sources[0]).toMatchObject({ address: image.address, ok: true });
    expect(sources[1]).toMatchObject({ address: ai.address, ok: false, service: null, parts: 0 });
    expect(sources[1]?.error).toMatch(/UNAVAILABLE|DEADLINE_EXCEEDED/);
  });
});
