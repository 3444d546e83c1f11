import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CommanderError } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildProgram, parseIsoTime, parsePositiveInt, parseRatio, type CliContext } from './cli.program';
import { resolveConnection } from './config/cli.config';

function context(): CliContext & { output: string[]; errors: string[] } {
  const output: string[] = [];
  const errors: string[] = [];
  return {
    io: { out: (t) => output.push(t), err: (t) => errors.push(t), interactive: false },
    env: {},
    cwd: tmpdir(),
    signal: new AbortController().signal,
    exitCode: 0,
    output,
    errors,
  };
}

async function parseFails(args: string[]): Promise<{ error: CommanderError; stderr: string }> {
  const ctx = context();
  const error = await buildProgram(ctx)
    .parseAsync(args, { from: 'user' })
    .then(() => null)
    .catch((e: unknown) => e);
  expect(error).toBeInstanceOf(CommanderError);
  return { error: error as CommanderError, stderr: ctx.errors.join('') };
}

describe('argument parsing', () => {
  it('checks numbers, ratios and times', () => {
    expect(parsePositiveInt('--n')('8')).toBe(8);
    expect(() => parsePositiveInt('--n')('0')).toThrow(/--n must be a whole number/);
    expect(() => parsePositiveInt('--n')('2.5')).toThrow();
    expect(parseRatio('0.25')).toBe(0.25);
    expect(() => parseRatio('1.5')).toThrow(/between 0 and 1/);
    expect(parseIsoTime('2026-11-28T09:15:00Z')).toBe('2026-11-28T09:15:00Z');
    expect(() => parseIsoTime('yesterday')).toThrow(/ISO 8601/);
    expect(() => parseIsoTime('2026-11-28T09:15:00')).toThrow(/zone/);
  });

  it('refuses a missing required option, naming it', async () => {
    const { error, stderr } = await parseFails(['ingest', '/tmp']);
    expect(error.code).toBe('commander.missingMandatoryOptionValue');
    expect(stderr).toContain('--camera');
  });

  it('refuses a bad camera id and a bad rate before touching the network', async () => {
    expect((await parseFails(['ingest', '/tmp', '--camera', 'has space'])).stderr).toMatch(/must be 1-128/);
    expect((await parseFails(['camera', 'simulate', '--camera', 'c1', '--rate', '-1'])).stderr).toMatch(
      /--rate must be a number > 0/,
    );
    expect((await parseFails(['runs', '--from', 'monday'])).stderr).toMatch(/ISO 8601/);
  });

  it('`agent` without a subcommand runs the agent, which needs --queue and --camera', async () => {
    expect((await parseFails(['agent', '--camera', 'c1'])).stderr).toContain('--queue');
  });

  it('rejects an unknown command', async () => {
    expect((await parseFails(['injest'])).error.code).toBe('commander.unknownCommand');
  });
});

describe('resolveConnection', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'cli-conn-'));
    await mkdir(join(root, '.imageflow'));
    await mkdir(join(root, 'sub', 'dir'), { recursive: true });
    await writeFile(join(root, '.imageflow', 'admin-key'), 'file-key\n');
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it('takes the flag, then IMAGEFLOW_API_KEY, then the nearest .imageflow/admin-key', () => {
    const env = { IMAGEFLOW_API_KEY: 'env-key', IMAGEFLOW_GATEWAY: 'http://gw:9/' };
    expect(resolveConnection({ key: 'flag-key' }, env, root)).toEqual({
      gatewayUrl: 'http://gw:9',
      apiKey: 'flag-key',
      keySource: 'flag',
    });
    expect(resolveConnection({}, env, root).apiKey).toBe('env-key');
    expect(resolveConnection({}, {}, join(root, 'sub', 'dir'))).toEqual({
      gatewayUrl: 'http://127.0.0.1:8080',
      apiKey: 'file-key',
      keySource: 'file',
    });
    expect(resolveConnection({ gateway: 'http://other:1' }, env, root).gatewayUrl).toBe('http://other:1');
  });

  it('names a bad gateway URL', () => {
    expect(() => resolveConnection({}, { IMAGEFLOW_GATEWAY: 'not a url' }, root)).toThrow(
      /IMAGEFLOW_GATEWAY/,
    );
    expect(() => resolveConnection({ gateway: 'nope' }, {}, root)).toThrow(/--gateway must be a URL/);
  });
});
