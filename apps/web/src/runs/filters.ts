// The runs table's filters ↔ the query string of GET /api/v1/runs (apps/gateway/src/runs/runs.schemas.ts) and of
// the page's own address (#/runs?lot=…), so a filtered table can be reloaded and shared.
import type { RunStatus } from '../api/types';

export interface RunFilters {
  status?: RunStatus;
  cameraId?: string;
  lineId?: string;
  lot?: string;
  pipelineId?: string;
  /** ISO-8601 times with a zone. */
  from?: string;
  to?: string;
}

const STATUSES: readonly RunStatus[] = ['queued', 'running', 'completed', 'failed'];
const TEXT_KEYS = ['cameraId', 'lineId', 'lot', 'pipelineId', 'from', 'to'] as const;

/** Only the filters that are set, trimmed, in a fixed order; `cursor` and `limit` are added for the API. */
export function filtersToQuery(filters: RunFilters, page: { cursor?: string; limit?: number } = {}): string {
  const params = new URLSearchParams();
  if (filters.status) params.set('status', filters.status);
  for (const key of TEXT_KEYS) {
    const value = filters[key]?.trim();
    if (value) params.set(key, value);
  }
  if (page.limit !== undefined) params.set('limit', String(page.limit));
  if (page.cursor) params.set('cursor', page.cursor);
  return params.toString();
}

export function filtersFromQuery(query: string): RunFilters {
  const params = new URLSearchParams(query);
  const filters: RunFilters = {};
  const status = params.get('status');
  if (status && (STATUSES as readonly string[]).includes(status)) filters.status = status as RunStatus;
  for (const key of TEXT_KEYS) {
    const value = params.get(key)?.trim();
    if (value) filters[key] = value;
  }
  return filters;
}

/** A `datetime-local` value (local time, no zone) as ISO-8601 UTC; undefined when empty or not a time. */
export function localInputToIso(value: string): string | undefined {
  if (!value) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

/** ISO-8601 as a `datetime-local` value in the browser's zone. */
export function isoToLocalInput(iso: string | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}
