// The sender against a scripted HTTP endpoint (the gateway itself is exercised in agent.int.spec.ts): what it
// does with 503 / 429 / connection refused / 400, and that an item leaves the queue only after a 2xx.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@imageflow/observability';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GatewayClient, GatewayError, parseRetryAfter } from '../gateway/gateway.client';
import { runSender } from './agent-sender';
import { DurableQueue } from './durable-queue';

type Reply = (req: IncomingMessage, res: ServerResponse, body: Buffer) => void;
const json =
  (status: number, body: unknown, headers: Record<string, string> = {}): Reply =>
  (_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
  };

async function scriptedServer(replies: Reply[]): Promise<{
  server: Server;
  url: string;
  seen: Array<{ url: string; headers: IncomingMessage['headers']; body: Buffer }>;
}> {
  const seen: Array<{ url: string; headers: IncomingMessage['headers']; body: Buffer }> = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      seen.push({ url: req.url ?? '', headers: req.headers, body });
      const reply = replies.shift() ?? json(500, { message: 'script exhausted' });
      reply(req, res, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

const logger = createLogger('agent-test', 'silent');
const fast = { initialMs: 5, maxMs: 20, factor: 2 };
const ok =
  (duplicate = false): Reply =>
  (_req, res, body) => {
    res
      .writeHead(duplicate ? 200 : 201, { 'content-type': 'application/json' })
      .end(JSON.stringify({ imageId: `id-${body.length}`, duplicate, eventId: 'ev' }));
  };

describe('runSender', () => {
  let dir: string;
  let server: Server | null = null;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cli-sender-'));
  });
  afterEach(async () => {
    server?.close();
    server = null;
    await rm(dir, { recursive: true, force: true });
  });

  it('retries 503 and 429 with the content hash as Idempotency-Key, removes the item only after the 2xx', async () => {
    const script = await scriptedServer([
      json(503, { message: 'kafka down' }),
      json(429, { message: 'slow down' }, { 'retry-after': '0' }),
      ok(),
    ]);
    server = script.server;
    const queue = await DurableQueue.open(join(dir, 'q'));
    const item = await queue.enqueue(Buffer.from('img-1'), {
      contentType: 'image/png',
      capturedAt: '2026-11-28T09:00:00.000Z',
      serial: 'SN-1',
    });
    const depthsSeen: number[] = [];
    const client = new GatewayClient({ gatewayUrl: script.url, apiKey: 'k', keySource: 'flag' });
    const stats = await runSender({
      queue,
      client,
      cameraId: 'cam-a',
      logger,
      backoff: fast,
      signal: new AbortController().signal,
      exitWhenEmpty: true,
      onSent: () => undefined,
    });
    depthsSeen.push(await queue.depth());
    expect(stats).toEqual({ sent: 1, duplicates: 0, failed: 0, retries: 2 });
    expect(script.seen).toHaveLength(3);
    for (const request of script.seen) {
      expect(request.headers['idempotency-key']).toBe(item.meta.sha256);
      expect(request.headers['authorization']).toBe('Bearer k');
      expect(request.body.toString()).toBe('img-1');
      expect(new URL(request.url, 'http://x').searchParams.get('cameraId')).toBe('cam-a');
      expect(new URL(request.url, 'http://x').searchParams.get('source')).toBe('AGENT');
    }
    expect(depthsSeen).toEqual([0]);
    expect((await queue.sentRecords())[0]).toMatchObject({ sha256: item.meta.sha256, attempts: 3 });
  });

  it('keeps the queue while the gateway is unreachable, until stopped', async () => {
    const queue = await DurableQueue.open(join(dir, 'q'));
    await queue.enqueue(Buffer.from('img-2'), {
      contentType: 'image/png',
      capturedAt: '2026-11-28T09:00:00.000Z',
    });
    // A port nothing listens on: bind and close to get one.
    const probe = await scriptedServer([]);
    const url = probe.url;
    await new Promise((resolve) => probe.server.close(resolve));
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 300);
    const stats = await runSender({
      queue,
      client: new GatewayClient({ gatewayUrl: url, apiKey: 'k', keySource: 'flag' }),
      cameraId: 'cam-a',
      logger,
      backoff: fast,
      signal: abort.signal,
    });
    expect(stats.sent).toBe(0);
    expect(stats.retries).toBeGreaterThan(2);
    expect(await queue.depth()).toBe(1);
  });

  it('sets a capture the gateway refuses (400) aside and goes on with the next, in order', async () => {
    const script = await scriptedServer([json(400, { message: 'not an image' }), ok(true)]);
    server = script.server;
    const queue = await DurableQueue.open(join(dir, 'q'));
    await queue.enqueue(Buffer.from('broken'), {
      contentType: 'image/png',
      capturedAt: '2026-11-28T09:00:00.000Z',
    });
    await queue.enqueue(Buffer.from('second'), {
      contentType: 'image/png',
      capturedAt: '2026-11-28T09:00:01.000Z',
    });
    const stats = await runSender({
      queue,
      client: new GatewayClient({ gatewayUrl: script.url, apiKey: 'k', keySource: 'flag' }),
      cameraId: 'cam-a',
      logger,
      backoff: fast,
      signal: new AbortController().signal,
      exitWhenEmpty: true,
    });
    expect(stats).toEqual({ sent: 1, duplicates: 1, failed: 1, retries: 0 });
    expect(script.seen.map((s) => s.body.toString())).toEqual(['broken', 'second']);
    expect(await queue.status()).toMatchObject({ depth: 0, failed: 1, sent: 1 });
  });
});

describe('GatewayClient errors', () => {
  it('says the key was refused on 401 and where the key came from', async () => {
    const script = await scriptedServer([
      json(401, { statusCode: 401, error: 'Unauthorized', message: 'unknown key' }),
    ]);
    const client = new GatewayClient({ gatewayUrl: script.url, apiKey: 'x', keySource: 'env' });
    const error = (await client.listRuns({}).catch((e: unknown) => e)) as GatewayError;
    script.server.close();
    expect(error).toBeInstanceOf(GatewayError);
    expect(error.message).toMatch(/^the API key was refused \(401\).*IMAGEFLOW_API_KEY/);
    expect(error.retryable).toBe(false);
  });

  it('says the gateway cannot be reached on connection refused', async () => {
    const probe = await scriptedServer([]);
    await new Promise((resolve) => probe.server.close(resolve));
    const error = (await new GatewayClient({ gatewayUrl: probe.url, apiKey: null, keySource: 'none' })
      .listRuns({})
      .catch((e: unknown) => e)) as GatewayError;
    expect(error.message).toBe(`cannot reach the gateway at ${probe.url} (ECONNREFUSED)`);
    expect(error.retryable).toBe(true);
  });

  it("passes the gateway's 400 message through", async () => {
    const script = await scriptedServer([
      json(400, { statusCode: 400, message: ['from: must be before to'] }),
    ]);
    const error = (await new GatewayClient({ gatewayUrl: script.url, apiKey: 'k', keySource: 'flag' })
      .listRuns({ from: 'x' })
      .catch((e: unknown) => e)) as GatewayError;
    script.server.close();
    expect(error.message).toBe('the gateway refused the request (400): from: must be before to');
  });

  it('reads Retry-After in seconds or as a date', () => {
    expect(parseRetryAfter('3')).toBe(3_000);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4_000)).toBe(6_000);
    expect(parseRetryAfter(null)).toBeNull();
    expect(parseRetryAfter('soon')).toBeNull();
  });
});
