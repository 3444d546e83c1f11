// deploy/prometheus: the rules pass their promtool unit tests, every alert is tested firing AND not firing,
// the local config renders to a valid file, and the running Prometheus loaded exactly those rules.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadedRules } from './prometheus-api';
import { eventually, stack } from './stack-env';

interface RuleFile {
  groups: {
    name: string;
    rules: {
      alert?: string;
      record?: string;
      labels?: Record<string, string>;
      annotations?: Record<string, string>;
    }[];
  }[];
}
interface RuleTestFile {
  tests: { name?: string; alert_rule_test?: { alertname: string; exp_alerts?: unknown[] | null }[] }[];
}
interface ScrapeConfig {
  job_name: string;
  metrics_path?: string;
  scrape_interval?: string;
  static_configs?: { targets: string[]; labels?: Record<string, string> }[];
}

const rulesDir = join(stack.prometheusDir, 'rules');
const testsDir = join(stack.prometheusDir, 'tests');
const ruleFiles = readdirSync(rulesDir)
  .filter((f) => f.endsWith('.yml'))
  .map((f) => join(rulesDir, f));
const testFiles = readdirSync(testsDir)
  .filter((f) => f.endsWith('.test.yml'))
  .map((f) => join(testsDir, f));
const rules = ruleFiles.flatMap((file) =>
  (parse(readFileSync(file, 'utf8')) as RuleFile).groups.flatMap((g) => g.rules),
);
const alertRules = rules.filter((r) => r.alert !== undefined);

function run(command: string, args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(command, args, {
    cwd: stack.repoRoot,
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (result.error)
    throw new Error(
      `${command} could not run: ${result.error.message} (promtool comes with Debian's prometheus package)`,
    );
  return { code: result.status, stdout: result.stdout, output: `${result.stdout}${result.stderr}` };
}

describe('deploy/prometheus rules (promtool)', () => {
  it('has rule files and unit test files', () => {
    expect(ruleFiles.length).toBeGreaterThan(0);
    expect(testFiles.length).toBeGreaterThan(0);
    expect(alertRules.length).toBeGreaterThan(0);
  });

  it('promtool check rules accepts every rule file', () => {
    const { code, output } = run('promtool', ['check', 'rules', ...ruleFiles]);
    expect(code, output).toBe(0);
    const found = [...output.matchAll(/SUCCESS: (\d+) rules found/g)].reduce(
      (sum, m) => sum + Number(m[1]),
      0,
    );
    expect(found, output).toBe(rules.length);
  });

  it('promtool test rules passes every unit test file', () => {
    const { code, output } = run('promtool', ['test', 'rules', ...testFiles]);
    expect(code, output).toBe(0);
    expect(output).not.toContain('FAILED');
    expect(output.match(/^\s+SUCCESS$/gm)?.length, output).toBe(testFiles.length);
  });

  it('tests every alert both firing and not firing', () => {
    const checks = testFiles.flatMap((file) =>
      (parse(readFileSync(file, 'utf8')) as RuleTestFile).tests.flatMap((t) => t.alert_rule_test ?? []),
    );
    const missing: string[] = [];
    for (const { alert } of alertRules) {
      const mine = checks.filter((c) => c.alertname === alert);
      if (!mine.some((c) => (c.exp_alerts ?? []).length > 0)) missing.push(`${alert}: no firing test`);
      if (!mine.some((c) => (c.exp_alerts ?? []).length === 0)) missing.push(`${alert}: no not-firing test`);
    }
    expect(missing).toEqual([]);
  });

  it('gives every alert a severity and summary, description and runbook annotations', () => {
    for (const rule of alertRules) {
      expect(['critical', 'warning', 'info'], rule.alert).toContain(rule.labels?.severity);
      expect(Object.keys(rule.annotations ?? {}).sort(), rule.alert).toEqual([
        'description',
        'runbook_url',
        'summary',
      ]);
      // The runbook anchor exists in deploy/prometheus/README.md.
      const anchor = rule.annotations?.runbook_url?.split('#')[1];
      expect(
        readFileSync(join(stack.prometheusDir, 'README.md'), 'utf8').toLowerCase(),
        rule.alert,
      ).toContain(`### ${anchor}`);
    }
  });
});

describe('deploy/prometheus/prometheus.local.yml', () => {
  const dir = mkdtempSync(join(tmpdir(), 'imageflow-prom-'));
  const rendered = join(dir, 'prometheus.yml');
  let render: ReturnType<typeof run>;

  beforeAll(() => {
    // The same function tools/stack/stack.sh uses on each start.
    const script =
      'set -euo pipefail; STACK_DIR=tools/stack; source tools/stack/env.sh; source tools/stack/lib/common.sh; ' +
      'source tools/stack/lib/prometheus.sh; prometheus_render';
    render = run('bash', ['-c', script]);
    writeFileSync(rendered, render.stdout);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('renders with the stack script and passes promtool check config (rule files included)', () => {
    expect(render.code, render.output).toBe(0);
    const unresolved = render.stdout
      .split('\n')
      .filter((line) => !line.trimStart().startsWith('#') && line.includes('${'));
    expect(unresolved).toEqual([]);

    const { code, output } = run('promtool', ['check', 'config', rendered]);
    expect(code, output).toBe(0);
    for (const file of ruleFiles) expect(output).toContain(`Checking ${file}`);
  });

  it('scrapes the Kafka exporter and every app metrics port, each with a service label', () => {
    const config = parse(readFileSync(rendered, 'utf8')) as {
      scrape_configs: ScrapeConfig[];
      rule_files: string[];
    };
    expect(config.rule_files).toEqual([`${rulesDir}/*.yml`]);
    const targets = new Map<string, { job: string; service?: string }>();
    for (const job of config.scrape_configs) {
      for (const group of job.static_configs ?? []) {
        for (const target of group.targets)
          targets.set(target, { job: job.job_name, service: group.labels?.service });
      }
    }
    const expected: Record<string, string> = {
      [`127.0.0.1:${process.env.KAFKA_EXPORTER_PORT ?? '9308'}`]: 'kafka-exporter',
      [`127.0.0.1:${process.env.GATEWAY_PORT ?? '8080'}`]: 'gateway',
      '127.0.0.1:9464': 'projector',
      '127.0.0.1:9461': 'compute-image',
      '127.0.0.1:9462': 'compute-ai',
      '127.0.0.1:9467': 'orchestrator',
      '127.0.0.1:9471': 'stage-worker',
      '127.0.0.1:9472': 'stage-worker',
    };
    for (const [target, service] of Object.entries(expected)) {
      expect(targets.get(target), target).toEqual({ job: service, service });
    }
  });
});

describe('the running Prometheus', () => {
  it('loaded every rule of deploy/prometheus/rules and evaluates them without errors', async () => {
    const names = rules.map((r) => r.alert ?? r.record).sort();
    const loaded = await eventually(
      async () => {
        const groups = await loadedRules();
        const all = groups.flatMap((g) => g.rules);
        // Health is "unknown" until the first evaluation (every 5 s).
        return all.length === names.length && all.every((r) => r.health === 'ok') ? groups : undefined;
      },
      30_000,
      1_000,
    );
    expect(loaded.flatMap((g) => g.rules.map((r) => r.name)).sort()).toEqual(names);
    for (const group of loaded) expect(ruleFiles).toContain(group.file);
  });
});

describe('deploy/prometheus/prometheus.kubernetes.yml', () => {
  const file = join(stack.prometheusDir, 'prometheus.kubernetes.yml');
  interface K8sScrapeConfig extends ScrapeConfig {
    kubernetes_sd_configs?: { role: string; namespaces?: { names: string[] } }[];
    relabel_configs?: { source_labels?: string[]; regex?: string; action?: string; target_label?: string }[];
  }
  const config = parse(readFileSync(file, 'utf8')) as {
    scrape_configs: K8sScrapeConfig[];
    rule_files: string[];
  };
  const job = config.scrape_configs.find((j) => j.job_name === 'imageflow');

  it('discovers the Services of every ImageFlow namespace and keeps only their metrics ports', () => {
    const namespaces = readFileSync(join(stack.repoRoot, 'deploy', 'k8s', 'base', 'namespaces.yaml'), 'utf8')
      .split('\n---')
      .map((doc) => parse(doc) as { kind?: string; metadata?: { name?: string } } | null)
      .filter((doc) => doc?.kind === 'Namespace')
      .map((doc) => doc?.metadata?.name ?? '')
      .sort();
    expect(namespaces.length).toBeGreaterThan(0);
    expect(job?.kubernetes_sd_configs).toEqual([
      { role: 'endpoints', namespaces: { names: expect.arrayContaining(namespaces) } },
    ]);
    const relabel = job?.relabel_configs ?? [];
    const keep = relabel.filter((r) => r.action === 'keep').map((r) => r.regex);
    expect(keep).toEqual(['imageflow', 'metrics;.+|http;gateway', 'true']);
    // The labels the local config gives, so rules and dashboards work unchanged.
    expect(relabel.map((r) => r.target_label).filter(Boolean)).toEqual(
      expect.arrayContaining(['job', 'service', 'app', 'part']),
    );
    expect(config.rule_files).toEqual(['/etc/prometheus/rules/*.yml']);
  });

  it('passes promtool check config (kubernetes_sd checked by structure: Debian builds promtool without it)', () => {
    // Debian's prometheus package drops the Kubernetes discovery plugin, so its promtool rejects the field
    // itself; everything else in the file is checked by promtool with that one block swapped for static targets.
    const dir = mkdtempSync(join(tmpdir(), 'imageflow-prom-k8s-'));
    try {
      const copy = parse(readFileSync(file, 'utf8')) as {
        scrape_configs: K8sScrapeConfig[];
        rule_files: string[];
      };
      for (const scrape of copy.scrape_configs) {
        if (scrape.kubernetes_sd_configs) {
          delete scrape.kubernetes_sd_configs;
          scrape.static_configs = [{ targets: ['127.0.0.1:9464'] }];
        }
      }
      copy.rule_files = [join(rulesDir, '*.yml')];
      const checked = join(dir, 'prometheus.yml');
      writeFileSync(checked, stringify(copy));
      const { code, output } = run('promtool', ['check', 'config', checked]);
      expect(code, output).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
