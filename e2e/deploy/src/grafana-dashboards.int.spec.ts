// Grafana dashboards reach the cluster as ConfigMaps: deploy/grafana/kustomization.yaml (generated from
// deploy/grafana/dashboards/*.json) must be current, and every dashboard file must end up, byte for byte, in a
// ConfigMap that the kube-prometheus-stack Grafana sidecar loads (label grafana_dashboard: "1", namespace
// imageflow-monitoring) in every overlay.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { build, k8sDir, type K8sObject, ofKind, OVERLAYS, repoRoot } from './manifests';

type ConfigMap = K8sObject & { data?: Record<string, string> };

const dashboardsDir = join(repoRoot, 'deploy', 'grafana', 'dashboards');
const dashboardFiles = readdirSync(dashboardsDir)
  .filter((f) => f.endsWith('.json'))
  .sort();

describe('deploy/grafana/kustomization.yaml', () => {
  it('is up to date with deploy/grafana/dashboards', () => {
    expect(() =>
      execFileSync(process.execPath, [join(k8sDir, 'tools', 'gen-grafana-kustomization.mjs'), '--check'], {
        stdio: 'pipe',
      }),
    ).not.toThrow();
  });
});

describe.each(OVERLAYS)('Grafana dashboards in overlays/%s', (overlay) => {
  const dashboards = ofKind<ConfigMap>(build(overlay), 'ConfigMap').filter(
    (c) => c.metadata.labels?.['grafana_dashboard'] === '1',
  );

  it('has dashboard files to ship', () => {
    expect(dashboardFiles.length).toBeGreaterThan(0);
  });

  it.each(dashboardFiles)(
    'ships %s unchanged in a sidecar-labelled ConfigMap in imageflow-monitoring',
    (file) => {
      const holding = dashboards.filter((c) => c.data?.[file] !== undefined);
      expect(holding.map((c) => c.metadata.name)).toEqual([
        `grafana-dashboard-${file.replace(/\.json$/, '')}`,
      ]);
      const [configMap] = holding;
      expect(configMap?.metadata.namespace).toBe('imageflow-monitoring');
      expect(configMap?.metadata.annotations?.['grafana_folder']).toBe('ImageFlow');
      const text = configMap?.data?.[file] ?? '';
      expect(text).toBe(readFileSync(join(dashboardsDir, file), 'utf8'));
      const dashboard = JSON.parse(text) as { uid?: string; title?: string };
      expect(dashboard.uid).toBeTruthy();
      expect(dashboard.title).toBeTruthy();
    },
  );

  it('ships nothing else under the dashboard label, and no dashboard uid twice', () => {
    const files = dashboards.flatMap((c) => Object.keys(c.data ?? {}));
    expect(files.sort()).toEqual(dashboardFiles);
    const uids = dashboards.flatMap((c) =>
      Object.values(c.data ?? {}).map((text) => (JSON.parse(text) as { uid: string }).uid),
    );
    expect(new Set(uids).size).toBe(uids.length);
  });
});
