// The gateway's REST shapes the canvas uses, in one place so they are easy to keep aligned with
// apps/gateway/src/*/**.schemas.ts (zod). Types only: nothing here reaches the bundle.
import type { PartCategory, PipelineDefinition, PortKind, ValidationIssue } from '@imageflow/pipeline';

export interface Localized {
  en: string;
  ja: string;
}

/** apps/gateway/src/parts/parts.schemas.ts `portSchema`. */
export interface PartPort {
  name: string;
  kind: PortKind;
  required: boolean;
  title: Localized;
}

/** apps/gateway/src/parts/parts.schemas.ts `partSchema`. */
export interface Part {
  id: string;
  version: string;
  category: PartCategory;
  stageKind: string;
  title: Localized;
  description: Localized;
  inputs: PartPort[];
  outputs: PartPort[];
  /** JSON Schema (draft-07) of the node's parameters. */
  parametersSchema: Record<string, unknown>;
  source: string;
}

export interface PartSource {
  address: string;
  service: string | null;
  ok: boolean;
  parts: number;
  latencyMs: number;
  error: string | null;
  skipped: { id: string; reason: string }[];
}

/** `GET /api/v1/parts`. */
export interface PartsCatalogResponse {
  parts: Part[];
  sources: PartSource[];
  fetchedAt: string;
}

/** Every gateway error body; 422 on an invalid definition adds `issues`. */
export interface ApiErrorBody {
  statusCode: number;
  error: string;
  message: string | string[];
  issues?: ValidationIssue[];
}

/** `POST /api/v1/pipelines` body (for the save slice). */
export interface CreatePipelineRequest {
  name: string;
  definition: PipelineDefinition;
  message?: string;
}

/** `POST /api/v1/pipelines/:id/versions` body (for the save slice). */
export interface CreateVersionRequest {
  definition: PipelineDefinition;
  message?: string;
  name?: string;
}

/** 201 of both create calls. */
export interface VersionCreated {
  pipelineId: string;
  version: string;
  eventId: string | null;
  created: boolean;
  stageKinds: Record<string, string>;
}

/** `GET /api/v1/pipelines` items (apps/gateway/src/pipelines/pipelines.schemas.ts `pipelineSchema`). */
export interface PipelineSummary {
  id: string;
  name: string | null;
  createdAt: string;
  updatedAt: string;
  versionCount: number;
  activeVersion: { version: string; seq: number | null; message: string | null } | null;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface Binding {
  targetKind: 'CAMERA' | 'LINE';
  targetId: string;
  pipelineId: string;
  boundAt: string;
}

/** `GET /api/v1/pipelines/:id`. */
export interface PipelineDetails extends PipelineSummary {
  activations: {
    version: string;
    seq: number | null;
    activatedAt: string;
    activatedBy: string;
    previousVersion: string | null;
    rollback: boolean;
  }[];
  bindings: Binding[];
}

/** `GET /api/v1/pipelines/:id/versions` items. */
export interface VersionSummary {
  pipelineId: string;
  version: string;
  seq: number;
  name: string;
  message: string | null;
  createdAt: string;
  createdBy: string;
  stageKinds: Record<string, string>;
  active: boolean;
}

export interface VersionDetails extends VersionSummary {
  definition: PipelineDefinition;
}

export type RunStatus = 'queued' | 'running' | 'completed' | 'failed';

/** `GET /api/v1/runs` items (apps/gateway/src/runs/runs.schemas.ts `runSchema`). */
export interface RunSummary {
  id: string;
  imageId: string | null;
  pipelineId: string | null;
  pipelineVersion: string | null;
  trigger: string | null;
  replayId: string | null;
  cameraId: string | null;
  lineId: string | null;
  lot: string | null;
  serial: string | null;
  status: RunStatus;
  verdict: 'OK' | 'NG' | null;
  startedAt: string;
  finishedAt: string | null;
  durationMs: number | null;
  failedNodeId: string | null;
  error: { code: string; message: string | null } | null;
  skippedNodeIds: string[];
}

export interface StoredObject {
  bucket: string;
  key: string;
  size?: number;
  contentType?: string;
  width?: number | null;
  height?: number | null;
  /** Presigned GET URL. */
  url: string;
}

export interface RunStep {
  nodeId: string;
  partId: string | null;
  partVersion: string | null;
  stageKind: string | null;
  status: 'requested' | 'running' | 'completed' | 'failed';
  attempts: number;
  workerId: string | null;
  requestedAt: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  timings: Record<string, number> | null;
  outputs: { port: string; kind: string; object?: StoredObject | null; [k: string]: unknown }[] | null;
  modelId: string | null;
  modelVersion: string | null;
  error: { code: string; message: string | null; retryable: boolean | null } | null;
}

export interface Detection {
  nodeId: string;
  idx: number;
  port: string;
  label: string;
  score: number;
  box: { x: number; y: number; width: number; height: number };
  text: string | null;
  classId: number | null;
}

/** `GET /api/v1/runs/:id`. */
export interface RunDetails extends RunSummary {
  steps: RunStep[];
  detections: Detection[];
  judgements: { nodeId: string; port: string; verdict: 'OK' | 'NG'; reasons: string[] }[];
  urlExpiresAt: string;
}

/** `POST /api/v1/runs` 202. */
export interface RunStarted {
  runId: string;
  imageId: string;
  pipelineId: string | null;
  pipelineVersion: string | null;
}

/** `GET /api/v1/images/:id`. */
export interface ImageInfo {
  id: string;
  cameraId: string;
  lineId: string | null;
  lot: string | null;
  serial: string | null;
  capturedAt: string;
  width: number | null;
  height: number | null;
  url: string;
}

/** `POST /api/v1/replays` body (apps/gateway/src/replays/replays.schemas.ts). */
export interface CreateReplayRequest {
  pipelineId: string;
  targetVersion: string;
  baselineVersion?: string;
  filter: { from: string; to: string; cameraIds: string[]; lineIds: string[]; lots: string[] };
}

export type ReplayStatus = 'requested' | 'running' | 'cancelling' | 'completed' | 'cancelled' | 'failed';

/** `GET /api/v1/replays/:id`. */
export interface Replay {
  id: string;
  pipelineId: string | null;
  targetVersion: string | null;
  baselineVersion: string | null;
  filter: CreateReplayRequest['filter'] | null;
  requestedBy: string | null;
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

/** `GET /api/v1/replays/:id/compare`. */
export interface ComparePage {
  replayId: string;
  pipelineId: string | null;
  targetVersion: string | null;
  baselineVersion: string | null;
  totals: Record<'images' | CompareOutcome, number>;
  items: CompareItem[];
  nextCursor: string | null;
}

/** `GET /api/v1/pipelines/:id/operations` (apps/gateway/src/operations/operations.schemas.ts). */
export interface NodeOperations {
  nodeId: string;
  partId: string;
  stageKind: string;
  throughputPerSec: number | null;
  failedPerSec: number | null;
  p95Seconds: number | null;
  lagMessages: number | null;
  lagSeconds: number | null;
}

export interface PipelineOperations {
  pipelineId: string;
  version: string;
  at: string;
  nodes: NodeOperations[];
  prometheus: { ok: boolean; error: string | null };
}
