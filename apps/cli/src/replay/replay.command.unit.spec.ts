// `runReplay` against a scripted HTTP endpoint playing the gateway's replay API (the real gateway and orchestrator are
// exercised in e2e/platform/src/replay-cli.e2e.spec.ts): following a replay to the end, and what Ctrl-C does.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { GatewayClient } from '../gateway/gateway.client';
import type { Io } from '../output/io';
import { runReplay, type ReplayOptions } from './replay.command';
import type { ComparePage, Replay } from './replay.types';

const totals = { images: 2, okToNg: 1, ngToOk: 0, unchanged: 1, changed: 0, missingBaseline: 0, pending: 0 };
const replayState = (status: Replay['status'], running: number): Replay => ({
  id: 'rp-1',
  pipelineId: 'p',
  targetVersion: 'v2',
  baselineVersion: null,
  status,
  matched: 2,
  started: 2,
  scanComplete: true,
  message: null,
  requestedAt: null,
  finishedAt: null,
  runs: { total: 2, queued: 0, running, completed: 2 - running, failed: 0 },
});
const compare: ComparePage = {
  replayId: 'rp-1',
  pipelineId: 'p',
  targetVersion: 'v2',
  baselineVersion: null,
  totals,
  items: [],
  nextCursor: null,
};

interface Gateway {
  url: string;
  requests: string[];
  /** The replay states GET returns, in turn (the last one repeats); 404 until the first. */
  states: Array<Replay | 404>;
  server: Server;
}

async function fakeGateway(states: Array<Replay | 404>): Promise<Gateway> {
  const gateway: Gateway = { url: '', requests: [], states, server: createServer() };
  let cancelled = false;
  gateway.server.on('request', (req: IncomingMessage, res: ServerResponse): void => {
    const line = `${req.method} ${req.url}`;
    gateway.requests.push(line);
    const send = (status: number, body: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    req.resume();
    if (line === 'POST /api/v1/replays') return send(202, { replayId: 'rp-1', eventId: 'e1' });
    if (line === 'POST /api/v1/replays/rp-1/cancel') {
      cancelled = true;
      return send(202, { replayId: 'rp-1', eventId: 'e2' });
    }
    if (line === 'GET /api/v1/replays/rp-1') {
      if (cancelled) return send(200, replayState('cancelled', 0));
      const next = gateway.states.length > 1 ? gateway.states.shift() : gateway.states[0];
      return next === 404 ? send(404, { message: 'no replay rp-1' }) : send(200, next);
    }
    if (req.url?.startsWith('/api/v1/replays/rp-1/compare')) return send(200, compare);
    send(500, { message: `unexpected ${line}` });
  });
  await new Promise<void>((resolve) => gateway.server.listen(0, '127.0.0.1', resolve));
  gateway.url = `http://127.0.0.1:${(gateway.server.address() as AddressInfo).port}`;
  return gateway;
}

function capture(): Io & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (t) => stdout.push(t), err: (t) => stderr.push(t), interactive: false };
}

const options = (extra: Partial<ReplayOptions> = {}): ReplayOptions => ({
  pipeline: 'p',
  version: 'v2',
  from: '2026-11-28T00:00:00Z',
  to: '2026-11-28T01:00:00Z',
  camera: ['cam-1'],
  line: [],
  lot: [],
  pollMs: 5,
  show: 10,
  json: true,
  ...extra,
});

describe('runReplay', () => {
  let gateway: Gateway | undefined;
  afterEach(() => gateway?.server.close());
  const client = () => new GatewayClient({ gatewayUrl: gateway?.url ?? '', apiKey: 'k', keySource: 'flag' });

  it('waits through 404 and running states until every run finished, then prints the compare summary', async () => {
    gateway = await fakeGateway([
      404,
      replayState('running', 2),
      replayState('completed', 1),
      replayState('completed', 0),
    ]);
    const io = capture();
    const outcome = await runReplay(options(), client(), io, new AbortController().signal, async () => {
      throw new Error('not interrupted: nobody should be asked');
    });
    expect(outcome.exitCode).toBe(0);
    expect(gateway.requests.filter((r) => r === 'GET /api/v1/replays/rp-1')).toHaveLength(4);
    expect(JSON.parse(io.stdout.join('\n'))).toMatchObject({ replay: { status: 'completed' }, totals });
  });

  it('Ctrl-C, answered yes: cancels on the gateway, follows the replay to the end and prints the summary', async () => {
    gateway = await fakeGateway([replayState('running', 2)]);
    const io = capture();
    const interrupt = new AbortController();
    const questions: string[] = [];
    setTimeout(() => interrupt.abort(), 30);
    const outcome = await runReplay(options(), client(), io, interrupt.signal, async (q) => {
      questions.push(q);
      return true;
    });
    expect(questions).toEqual([expect.stringContaining('Cancel replay rp-1')]);
    expect(gateway.requests.filter((r) => r.endsWith('/cancel'))).toHaveLength(1);
    expect(outcome.exitCode).toBe(130);
    expect(outcome.summary?.replay.status).toBe('cancelled');
  });

  it('Ctrl-C, answered no: leaves the replay running and prints no summary', async () => {
    gateway = await fakeGateway([replayState('running', 2)]);
    const io = capture();
    const interrupt = new AbortController();
    interrupt.abort();
    const outcome = await runReplay(options(), client(), io, interrupt.signal, async () => false);
    expect(outcome).toEqual({ exitCode: 130, summary: null });
    expect(gateway.requests.some((r) => r.endsWith('/cancel'))).toBe(false);
    expect(io.stderr.join('\n')).toContain('left replay rp-1 running');
    expect(io.stdout).toEqual([]);
  });

  it('--cancel-on-interrupt cancels without asking', async () => {
    gateway = await fakeGateway([replayState('running', 2)]);
    const interrupt = new AbortController();
    interrupt.abort();
    const outcome = await runReplay(
      options({ cancelOnInterrupt: true }),
      client(),
      capture(),
      interrupt.signal,
      async () => {
        throw new Error('must not ask');
      },
    );
    expect(outcome.summary?.replay.status).toBe('cancelled');
    expect(gateway.requests.filter((r) => r.endsWith('/cancel'))).toHaveLength(1);
  });
});
