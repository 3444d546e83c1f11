// API keys and roles against the real gateway (scratch database); the admin key comes from ADMIN_KEY_FILE.
import { readFile, stat, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGatewayApp } from '../app.factory';
import { startGateway, type GatewayHarness } from '../testing/gateway-harness';

interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
}

describe('API keys and roles', () => {
  let gw: GatewayHarness;

  const createKey = async (role: string, name = `${role} key`) => {
    const response = await gw.request('/api/v1/api-keys', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name, role }),
    });
    expect(response.status).toBe(201);
    return (await response.json()) as { id: string; key: string; role: string; name: string };
  };

  beforeAll(async () => {
    gw = await startGateway();
  });

  afterAll(async () => {
    await gw?.close();
  });

  it('writes the first admin key to ADMIN_KEY_FILE with mode 0600, and keeps it across restarts', async () => {
    const mode = (await stat(gw.config.ADMIN_KEY_FILE)).mode & 0o777;
    expect(mode).toBe(0o600);
    expect(gw.adminKey).toMatch(/^ifk_/);
    // A second gateway on the same database and file keeps the key (no new one, file unchanged).
    const second = await createGatewayApp(gw.config, gw.gateway.logger);
    await second.app.init();
    await second.app.close();
    expect((await readFile(gw.config.ADMIN_KEY_FILE, 'utf8')).trim()).toBe(gw.adminKey);
    const keys = (await (await gw.request('/api/v1/api-keys')).json()) as {
      items: { role: string; revokedAt: string | null }[];
    };
    expect(keys.items.filter((k) => k.role === 'admin' && !k.revokedAt)).toHaveLength(1);
  });

  it('replaces an admin key file whose key the database does not know', async () => {
    await writeFile(gw.config.ADMIN_KEY_FILE, 'ifk_not-a-key-of-this-database\n', { mode: 0o600 });
    const restarted = await createGatewayApp(gw.config, gw.gateway.logger);
    await restarted.app.init();
    await restarted.app.close();
    const replaced = (await readFile(gw.config.ADMIN_KEY_FILE, 'utf8')).trim();
    expect(replaced).not.toBe('ifk_not-a-key-of-this-database');
    expect((await gw.request('/api/v1/runs', { key: replaced })).status).toBe(200);
    gw.adminKey = replaced;
  });

  it('refuses requests without a key, with a malformed header, or with an unknown key: 401 with the reason', async () => {
    const none = await gw.request('/api/v1/runs', { key: null });
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect((await none.json()) as ErrorBody).toEqual({
      statusCode: 401,
      error: 'Unauthorized',
      message: 'missing API key: send "Authorization: Bearer <key>"',
    });
    const basic = await gw.request('/api/v1/runs', {
      key: null,
      headers: { authorization: 'Basic dXNlcjpwYXNz' },
    });
    expect(((await basic.json()) as ErrorBody).message).toMatch(/malformed Authorization header/);
    const unknown = await gw.request('/api/v1/runs', { key: 'ifk_unknown' });
    expect(unknown.status).toBe(401);
    expect(((await unknown.json()) as ErrorBody).message).toBe('unknown or revoked API key');
    for (const path of ['/api/v1/images/' + '0'.repeat(64), '/api/v1/dlq', '/api/v1/api-keys']) {
      expect((await gw.request(path, { key: null })).status).toBe(401);
    }
    expect((await gw.request('/api/v1/images', { key: null, method: 'POST' })).status).toBe(401);
  });

  it('camera keys may only ingest: 403 on every query endpoint', async () => {
    const camera = await createKey('camera');
    for (const path of [
      '/api/v1/runs',
      '/api/v1/runs/some-run',
      '/api/v1/images/' + 'a'.repeat(64),
      '/api/v1/dlq',
      '/api/v1/api-keys',
    ]) {
      const response = await gw.request(path, { key: camera.key });
      expect(response.status, path).toBe(403);
      expect(((await response.json()) as ErrorBody).message).toMatch(
        /a camera key may not call this endpoint/,
      );
    }
    expect((await gw.request('/api/v1/dlq/x/redrive', { key: camera.key, method: 'POST' })).status).toBe(403);
    // Ingest passes the role check (and fails later, on the missing body, with 415 — not 403).
    expect(
      (
        await gw.request('/api/v1/images?cameraId=c1', {
          key: camera.key,
          method: 'POST',
          headers: { 'content-type': 'text/plain' },
          body: 'x',
        })
      ).status,
    ).toBe(415);
  });

  it('operator keys query but do not manage keys or re-drive; admin keys do everything', async () => {
    const operator = await createKey('operator');
    expect((await gw.request('/api/v1/runs', { key: operator.key })).status).toBe(200);
    expect((await gw.request('/api/v1/dlq', { key: operator.key })).status).toBe(200);
    expect((await gw.request('/api/v1/api-keys', { key: operator.key })).status).toBe(403);
    expect((await gw.request('/api/v1/dlq/nope/redrive', { key: operator.key, method: 'POST' })).status).toBe(
      403,
    );
    expect((await gw.request('/api/v1/runs')).status).toBe(200);
    expect((await gw.request('/api/v1/dlq/nope/redrive', { method: 'POST' })).status).toBe(404);
  });

  it('lists keys without secrets, revokes them, and a revoked key stops working at once', async () => {
    const created = await createKey('operator', 'to be revoked');
    const list = (await (await gw.request('/api/v1/api-keys')).json()) as {
      items: Record<string, unknown>[];
    };
    const listed = list.items.find((k) => k['id'] === created.id);
    expect(listed).toMatchObject({ name: 'to be revoked', role: 'operator', revokedAt: null });
    expect(JSON.stringify(list)).not.toContain(created.key);
    const { rows } = await gw.db.query<{ key_hash: string }>('SELECT key_hash FROM api_keys WHERE id = $1', [
      created.id,
    ]);
    expect(rows[0]?.key_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(rows[0]?.key_hash).not.toContain(created.key);

    expect((await gw.request('/api/v1/runs', { key: created.key })).status).toBe(200);
    expect((await gw.request(`/api/v1/api-keys/${created.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await gw.request('/api/v1/runs', { key: created.key })).status).toBe(401);
    expect((await gw.request(`/api/v1/api-keys/${created.id}`, { method: 'DELETE' })).status).toBe(404);
  });

  it('validates key requests at the border', async () => {
    const bad = await gw.request('/api/v1/api-keys', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: '', role: 'superuser', extra: 1 }),
    });
    expect(bad.status).toBe(400);
    const message = ((await bad.json()) as ErrorBody).message;
    expect(message).toMatch(/name/);
    expect(message).toMatch(/role/);
    const notJson = await gw.request('/api/v1/api-keys', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"name":',
    });
    expect(notJson.status).toBe(400);
    expect(await notJson.json()).toMatchObject({ statusCode: 400, error: 'Bad Request' });
  });
});
