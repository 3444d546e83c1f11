// The gateway serves the built web UI at / in single-machine mode, and never answers the API's paths with it.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type GatewayHarness } from './testing/gateway-harness';

describe('web UI at /', () => {
  const dir = mkdtempSync(join(tmpdir(), 'imageflow-web-'));
  let gw: GatewayHarness;

  beforeAll(async () => {
    mkdirSync(join(dir, 'assets'));
    writeFileSync(
      join(dir, 'index.html'),
      '<!doctype html><title>ImageFlowCanvas</title><div id="root"></div>',
    );
    writeFileSync(join(dir, 'assets', 'index-abc123.js'), 'console.log("canvas")');
    gw = await startGateway({ WEB_DIST_DIR: dir });
  });

  afterAll(async () => {
    await gw?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves index.html at / and for the app routes a browser reloads', async () => {
    for (const path of ['/', '/runs/0190abcd', '/pipelines/p1/canvas']) {
      const response = await gw.request(path, { key: null, headers: { accept: 'text/html' } });
      expect(response.status, path).toBe(200);
      expect(await response.text()).toContain('<title>ImageFlowCanvas</title>');
    }
  });

  it('serves the hashed assets with a long cache', async () => {
    const response = await gw.request('/assets/index-abc123.js', { key: null });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('console.log("canvas")');
    expect(response.headers.get('cache-control')).toContain('immutable');
  });

  it('keeps the API its own: unknown API paths are JSON 404s, not the UI', async () => {
    const response = await gw.request('/api/v1/nothing-here', { headers: { accept: 'text/html' } });
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toContain('application/json');
    const health = await gw.request('/healthz', { key: null, headers: { accept: 'text/html' } });
    expect(health.headers.get('content-type')).toContain('application/json');
  });
});
