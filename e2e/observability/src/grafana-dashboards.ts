// Reads deploy/grafana: the dashboards, their panels' queries and template variables, and turns a query into what
// Grafana would send to Prometheus (template variables and the $__ interval variables substituted).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { stack } from './stack-env';

export const grafanaDir = join(stack.repoRoot, 'deploy', 'grafana');
export const dashboardsDir = join(grafanaDir, 'dashboards');

export interface Target {
  refId: string;
  expr: string;
  datasource?: { type?: string; uid?: string };
}
export interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: { type?: string; uid?: string };
  targets?: Target[];
  panels?: Panel[];
}
export interface Variable {
  name: string;
  type: string;
  query?: string | { query: string };
  definition?: string;
  allValue?: string;
}
export interface Dashboard {
  uid: string;
  title: string;
  panels: Panel[];
  templating: { list: Variable[] };
}

export function loadDashboards(): { file: string; dashboard: Dashboard }[] {
  return readdirSync(dashboardsDir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => ({
      file,
      dashboard: JSON.parse(readFileSync(join(dashboardsDir, file), 'utf8')) as Dashboard,
    }));
}

/** Every panel that shows data (rows are containers, also when collapsed). */
export function dataPanels(dashboard: Dashboard): Panel[] {
  return dashboard.panels
    .flatMap((p) => (p.type === 'row' ? (p.panels ?? []) : [p]))
    .filter((p) => p.type !== 'row');
}

export interface Intervals {
  /** Seconds. */
  interval: number;
  rateInterval: number;
  range: number;
}

/** Grafana's rule: $__rate_interval = max($__interval + scrape interval, 4 × scrape interval). */
export function intervalsFor(rangeSeconds: number, scrapeSeconds: number, maxPoints = 200): Intervals {
  const interval = Math.max(scrapeSeconds, Math.ceil(rangeSeconds / maxPoints));
  return {
    interval,
    rateInterval: Math.max(interval + scrapeSeconds, 4 * scrapeSeconds),
    range: Math.ceil(rangeSeconds),
  };
}

/**
 * Substitutes `$var` / `${var}` with a regex alternation of the chosen values (a multi-value variable in a `=~`
 * matcher, as Grafana formats it for Prometheus) and the built-in interval variables. Throws on a variable it
 * does not know, so a typo in a dashboard fails the test instead of reaching Prometheus as text.
 */
export function substitute(expr: string, values: Record<string, string[]>, intervals: Intervals): string {
  const builtins: Record<string, string> = {
    __rate_interval: `${intervals.rateInterval}s`,
    __interval: `${intervals.interval}s`,
    __range: `${intervals.range}s`,
  };
  return expr.replace(/\$\{(\w+)\}|\$(\w+)/g, (_, braced: string | undefined, bare: string | undefined) => {
    const name = (braced ?? bare) as string;
    const builtin = builtins[name];
    if (builtin !== undefined) return builtin;
    const chosen = values[name];
    if (!chosen) throw new Error(`no value for template variable $${name} in ${expr}`);
    const escaped = chosen.map((v) => v.replace(/[.*+?^${}()|[\]\\]/g, '\\\\$&'));
    return escaped.length === 1 ? (escaped[0] as string) : `(${escaped.join('|')})`;
  });
}

/** `label_values(selector, label)` of a query variable, parsed; undefined for other variable kinds. */
export function labelValuesOf(variable: Variable): { selector: string; label: string } | undefined {
  const text = typeof variable.query === 'string' ? variable.query : variable.query?.query;
  const match = /^label_values\((.*),\s*(\w+)\)$/.exec(text ?? '');
  return match ? { selector: match[1] as string, label: match[2] as string } : undefined;
}
