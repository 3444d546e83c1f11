// The gateway's replay API as the CLI reads it (apps/gateway/src/replays/replays.schemas.ts; the CLI reaches the
// gateway only over HTTP, so these are the response shapes, not imports).

export interface ReplayRequest {
  pipelineId: string;
  targetVersion: string;
  baselineVersion?: string;
  filter: { from: string; to: string; cameraIds: string[]; lineIds: string[]; lots: string[] };
}

export interface ReplayPublished {
  replayId: string;
  eventId: string;
}

export type ReplayStatus = 'requested' | 'running' | 'cancelling' | 'completed' | 'cancelled' | 'failed';

export interface Replay {
  id: string;
  pipelineId: string | null;
  targetVersion: string | null;
  baselineVersion: string | null;
  status: ReplayStatus;
  matched: number;
  started: number;
  scanComplete: boolean;
  message: string | null;
  requestedAt: string | null;
  finishedAt: string | null;
  runs: { total: number; queued: number; running: number; completed: number; failed: number };
}

export type CompareOutcome = 'okToNg' | 'ngToOk' | 'unchanged' | 'changed' | 'missingBaseline' | 'pending';

export interface CompareSide {
  runId: string;
  pipelineVersion: string | null;
  status: string;
  verdict: 'OK' | 'NG' | null;
  labels: Record<string, number>;
  detectionTexts: string[];
  texts: Record<string, string>;
}

export interface CompareItem {
  imageId: string;
  outcome: CompareOutcome;
  baseline: CompareSide | null;
  replay: CompareSide;
  differences: {
    verdict: boolean;
    labels: Record<string, { baseline: number; replay: number }>;
    detectionTexts: boolean;
    texts: Record<string, { baseline: string | null; replay: string | null }>;
  };
}

export interface CompareTotals {
  images: number;
  okToNg: number;
  ngToOk: number;
  unchanged: number;
  changed: number;
  missingBaseline: number;
  pending: number;
}

export interface ComparePage {
  replayId: string;
  pipelineId: string | null;
  targetVersion: string | null;
  baselineVersion: string | null;
  totals: CompareTotals;
  items: CompareItem[];
  nextCursor: string | null;
}
