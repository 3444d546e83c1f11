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
