// Minimal client of the Prometheus HTTP API (https://prometheus.io/docs/prometheus/latest/querying/api/).
import { stack } from './stack-env';

export interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}

interface ApiBody<T> {
  status: 'success' | 'error';
  data: T;
  error?: string;
}

async function get<T>(path: string, params: Record<string, string> = {}): Promise<T> {
  const url = new URL(path, stack.prometheusUrl);
  for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
  const response = await fetch(url);
  const body = (await response.json()) as ApiBody<T>;
  if (body.status !== 'success')
    throw new Error(`${url.pathname} failed (${response.status}): ${body.error ?? ''}`);
  return body.data;
}

/** Instant query; returns the vector's samples. */
export async function query(promql: string): Promise<Sample[]> {
  const data = await get<{ resultType: string; result: Sample[] }>('/api/v1/query', { query: promql });
  if (data.resultType !== 'vector')
    throw new Error(`expected a vector from ${promql}, got ${data.resultType}`);
  return data.result;
}

export interface RangeSeries {
  metric: Record<string, string>;
  values: [number, string][];
}

/** Range query (what a Grafana time-series panel sends); any result type but a matrix is an error. */
export async function queryRange(
  promql: string,
  startSeconds: number,
  endSeconds: number,
  stepSeconds: number,
): Promise<RangeSeries[]> {
  const data = await get<{ resultType: string; result: RangeSeries[] }>('/api/v1/query_range', {
    query: promql,
    start: String(startSeconds),
    end: String(endSeconds),
    step: String(stepSeconds),
  });
  if (data.resultType !== 'matrix')
    throw new Error(`expected a matrix from ${promql}, got ${data.resultType}`);
  return data.result;
}

/** Values of one label over the series matching `selector` (what Grafana's label_values(selector, label) asks). */
export async function labelValues(
  label: string,
  selector: string,
  startSeconds: number,
  endSeconds: number,
): Promise<string[]> {
  const url = `/api/v1/label/${encodeURIComponent(label)}/values`;
  return get<string[]>(url, { 'match[]': selector, start: String(startSeconds), end: String(endSeconds) });
}

/** One number from an instant query that returns at most one sample (undefined when it returns none). */
export async function scalar(promql: string): Promise<number | undefined> {
  const samples = await query(promql);
  if (samples.length > 1) throw new Error(`${promql} returned ${samples.length} series, expected one`);
  return samples[0] ? Number(samples[0].value[1]) : undefined;
}

export interface LoadedRule {
  name: string;
  type: 'alerting' | 'recording';
  health: string;
  lastError?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** Rules the running Prometheus has loaded, with the file each group came from. */
export async function loadedRules(): Promise<{ file: string; rules: LoadedRule[] }[]> {
  const data = await get<{ groups: { file: string; rules: LoadedRule[] }[] }>('/api/v1/rules');
  return data.groups;
}
