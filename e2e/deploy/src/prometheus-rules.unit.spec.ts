// The PrometheusRule objects in deploy/k8s are generated from deploy/prometheus/rules (the rules promtool tests):
// the generated file must be current, and carry exactly those groups.
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { k8sDir, parseYamlStream, readRepoFile, repoRoot } from './manifests';

describe('deploy/k8s/base/monitoring/prometheus-rules.yaml', () => {
  it('is up to date with deploy/prometheus/rules', () => {
    expect(() =>
      execFileSync(process.execPath, [join(k8sDir, 'tools', 'gen-prometheus-rules.mjs'), '--check'], {
        stdio: 'pipe',
      }),
    ).not.toThrow();
  });

  it('holds one PrometheusRule per rule file with the same groups', () => {
    const rules = parseYamlStream(
      readRepoFile('deploy/k8s/base/monitoring/prometheus-rules.yaml'),
      'prometheus-rules.yaml',
    );
    const files = readdirSync(join(repoRoot, 'deploy', 'prometheus', 'rules'))
      .filter((f) => /\.ya?ml$/.test(f))
      .sort();
    expect(rules.map((r) => r.metadata.name)).toEqual(
      files.map((f) => `imageflow-${f.replace(/\.ya?ml$/, '')}`),
    );
    files.forEach((file, i) => {
      const source = parse(readRepoFile(`deploy/prometheus/rules/${file}`)) as { groups: unknown[] };
      expect(rules[i]!.kind).toBe('PrometheusRule');
      expect((rules[i]!['spec'] as { groups: unknown[] }).groups).toEqual(source.groups);
    });
  });
});
