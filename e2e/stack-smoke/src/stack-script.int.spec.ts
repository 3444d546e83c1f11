import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stack } from './stack-env';

const SERVICES = ['postgres', 's3', 'kafka', 'kafka-exporter', 'prometheus', 'registry'];

function stackSh(args: string[], env: Record<string, string> = {}) {
  const result = spawnSync('bash', [join(stack.repoRoot, 'tools/stack/stack.sh'), ...args], {
    cwd: stack.repoRoot,
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: result.status, output: `${result.stdout}${result.stderr}` };
}

describe('tools/stack/stack.sh', () => {
  it('up is idempotent: a second up while everything runs succeeds and starts nothing', () => {
    const { code, output } = stackSh(['up']);
    expect(code, output).toBe(0);
    for (const service of SERVICES) expect(output).toMatch(new RegExp(`${service}.*already running`));
  });

  it('status lists every service as ready and exits 0', () => {
    const { code, output } = stackSh(['status']);
    expect(code, output).toBe(0);
    for (const service of SERVICES)
      expect(output).toMatch(new RegExp(`^${service}\\s+\\d+\\s+\\S+\\s+ready`, 'm'));
  });

  it('names the service and the port when its port is taken, and exits non-zero', async () => {
    const squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve));
    const { port } = squatter.address() as AddressInfo;
    const home = mkdtempSync(join(tmpdir(), 'imageflow-stack-'));
    try {
      const { code, output } = stackSh(['up', 'prometheus'], {
        IMAGEFLOW_HOME: home,
        PROMETHEUS_PORT: String(port),
      });
      expect(code).not.toBe(0);
      expect(output).toContain(`prometheus: port ${port} (PROMETHEUS_PORT) on 127.0.0.1 is already in use`);
    } finally {
      await new Promise((resolve) => squatter.close(resolve));
      stackSh(['down', 'prometheus'], { IMAGEFLOW_HOME: home, PROMETHEUS_PORT: String(port) });
      rmSync(home, { recursive: true, force: true });
    }
  });
});
