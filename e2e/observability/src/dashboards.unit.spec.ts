// deploy/grafana as code: every dashboard parses, has a unique uid and the standard variables, every panel has a
// datasource and queries, every variable a query uses is defined, the JSON is what the generator writes, and the
// provisioning files point Grafana at them.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import {
  dataPanels,
  grafanaDir,
  intervalsFor,
  labelValuesOf,
  loadDashboards,
  substitute,
} from './grafana-dashboards';
import { stack } from './stack-env';

const dashboards = loadDashboards();
const BUILTINS = new Set(['__rate_interval', '__interval', '__range']);
const usedVariables = (expr: string) =>
  [...expr.matchAll(/\$\{(\w+)\}|\$(\w+)/g)].map((m) => (m[1] ?? m[2]) as string);

describe('deploy/grafana dashboards', () => {
  it('has the four dashboards the issue asks for, with unique uids and titles', () => {
    expect(dashboards.map((d) => d.file)).toEqual([
      'cameras-lines.json',
      'kafka-lag.json',
      'overview.json',
      'stages.json',
    ]);
    const uids = dashboards.map((d) => d.dashboard.uid);
    expect(new Set(uids).size).toBe(uids.length);
    expect(uids.every((uid) => /^[a-z0-9-]{1,40}$/.test(uid))).toBe(true);
    const titles = dashboards.map((d) => d.dashboard.title);
    expect(new Set(titles).size).toBe(titles.length);
  });

  it.each(dashboards.map((d) => [d.file, d.dashboard] as const))(
    '%s: every panel has the datasource variable and at least one query, unique ids',
    (_, dashboard) => {
      const panels = dataPanels(dashboard);
      expect(panels.length).toBeGreaterThan(3);
      const ids = dashboard.panels.map((p) => p.id);
      expect(new Set(ids).size).toBe(ids.length);
      for (const panel of panels) {
        expect(panel.datasource, panel.title).toEqual({ type: 'prometheus', uid: '${datasource}' });
        expect(panel.targets?.length, panel.title).toBeGreaterThan(0);
        const refIds = panel.targets?.map((t) => t.refId) ?? [];
        expect(new Set(refIds).size, panel.title).toBe(refIds.length);
        for (const target of panel.targets ?? []) {
          expect(target.datasource, panel.title).toEqual(panel.datasource);
          expect(target.expr.trim(), panel.title).not.toBe('');
        }
      }
    },
  );

  it.each(dashboards.map((d) => [d.file, d.dashboard] as const))(
    '%s: defines every variable its queries use, rates over $__rate_interval',
    (_, dashboard) => {
      const variables = dashboard.templating.list;
      expect(variables[0]).toMatchObject({ name: 'datasource', type: 'datasource', query: 'prometheus' });
      const defined = new Set(variables.map((v) => v.name));
      for (const variable of variables.slice(1)) {
        expect(variable.type, variable.name).toBe('query');
        expect(labelValuesOf(variable), variable.name).toBeDefined();
        for (const name of usedVariables(labelValuesOf(variable)?.selector ?? ''))
          expect(defined, `${variable.name} uses $${name}`).toContain(name);
      }
      for (const panel of dataPanels(dashboard)) {
        for (const { expr } of panel.targets ?? []) {
          for (const name of usedVariables(expr)) {
            if (!BUILTINS.has(name)) expect(defined, `${panel.title}: $${name}`).toContain(name);
          }
          // rate()/increase() windows are Grafana's $__rate_interval, or a fixed or whole-range window on purpose.
          for (const [, window] of expr.matchAll(/(?:rate|increase)\([^[]*\[([^\]]+)\]/g))
            expect(['$__rate_interval', '$__range', '10m'], `${panel.title}: ${expr}`).toContain(window);
        }
      }
    },
  );

  it('is exactly what deploy/grafana/tools/generate-dashboards.mjs writes', () => {
    const result = spawnSync(
      process.execPath,
      [join(grafanaDir, 'tools', 'generate-dashboards.mjs'), '--check'],
      {
        cwd: stack.repoRoot,
        encoding: 'utf8',
      },
    );
    expect(result.status, `${result.stdout}${result.stderr}`).toBe(0);
  });

  it('provisions the Prometheus datasource and the dashboards folder', () => {
    const datasources = parse(
      readFileSync(join(grafanaDir, 'provisioning', 'datasources', 'prometheus.yml'), 'utf8'),
    ) as { apiVersion: number; datasources: { type: string; uid: string; url: string }[] };
    expect(datasources.apiVersion).toBe(1);
    expect(datasources.datasources).toEqual([
      expect.objectContaining({ type: 'prometheus', uid: 'imageflow-prometheus', url: '${PROMETHEUS_URL}' }),
    ]);
    const providers = parse(
      readFileSync(join(grafanaDir, 'provisioning', 'dashboards', 'imageflow.yml'), 'utf8'),
    ) as { apiVersion: number; providers: { type: string; options: { path: string } }[] };
    expect(providers.providers).toEqual([
      expect.objectContaining({
        type: 'file',
        options: expect.objectContaining({ path: '${GRAFANA_DASHBOARDS_DIR}' }),
      }),
    ]);
  });
});

describe('panel query substitution', () => {
  const intervals = intervalsFor(900, 5);

  it("follows Grafana's interval rules", () => {
    expect(intervals).toEqual({ interval: 5, rateInterval: 20, range: 900 });
    expect(intervalsFor(3600, 5)).toEqual({ interval: 18, rateInterval: 23, range: 3600 });
  });

  it('substitutes variables as regex alternations, escaped, and the interval variables', () => {
    expect(
      substitute(
        'sum(rate(x{topic=~"$topic", stage=~"${stage}"}[$__rate_interval])) + increase(y[$__range])',
        { topic: ['a.b'], stage: ['image', 'ai'] },
        intervals,
      ),
    ).toBe('sum(rate(x{topic=~"a\\\\.b", stage=~"(image|ai)"}[20s])) + increase(y[900s])');
  });

  it('refuses an unknown variable', () => {
    expect(() => substitute('x{a=~"$nope"}', {}, intervals)).toThrow(/\$nope/);
  });
});
