// Per-node throughput, step time and backlog from GET /api/v1/pipelines/:id/operations, as short texts for the
// canvas. A null means "not known" (Prometheus down, no observations, no consumer group) and is shown as "–".
import type { NodeOperations } from '../api/types';

const UNKNOWN = '–';

export function rateText(perSec: number | null): string {
  if (perSec === null || !Number.isFinite(perSec)) return UNKNOWN;
  if (perSec === 0) return '0';
  return perSec >= 10 ? perSec.toFixed(0) : perSec >= 1 ? perSec.toFixed(1) : perSec.toFixed(2);
}

export function secondsText(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return UNKNOWN;
  return seconds < 1 ? `${Math.round(seconds * 1000)} ms` : `${seconds.toFixed(seconds < 10 ? 1 : 0)} s`;
}

/** Backlog as messages, with the time it would take to drain when known: "120 (4.0 s)". */
export function lagText(messages: number | null, seconds: number | null): string {
  if (messages === null) return UNKNOWN;
  return seconds === null ? String(messages) : `${messages} (${secondsText(seconds)})`;
}

export interface OpsTexts {
  throughput: string;
  p95: string;
  lag: string;
  /** A stage whose steps fail or whose backlog grows deserves attention. */
  warn: boolean;
}

export function opsTexts(node: NodeOperations): OpsTexts {
  return {
    throughput: rateText(node.throughputPerSec),
    p95: secondsText(node.p95Seconds),
    lag: lagText(node.lagMessages, node.lagSeconds),
    warn: (node.failedPerSec ?? 0) > 0 || (node.lagSeconds ?? 0) > 60,
  };
}
