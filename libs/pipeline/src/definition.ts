// The pipeline definition model: nodes running parts, edges from an output port to an input port.
// Shared by the gateway (validation on save), the orchestrator (planning), the projector and the web canvas.

/** Port kinds; the same vocabulary as PortKind in schemas/avro/types/StepOutput.avsc and the compute proto. */
export const PORT_KINDS = ['IMAGE', 'DETECTIONS', 'MASK', 'TEXT', 'MEASUREMENTS', 'JUDGEMENT'] as const;
export type PortKind = (typeof PORT_KINDS)[number];

export type PartCategory = 'pre' | 'ai' | 'post';

export interface PortSpec {
  name: string;
  kind: PortKind;
  /** Inputs only: the node cannot run without it. Default true. */
  required?: boolean;
}

/** What the pipeline logic needs to know of a part (the catalog entry from a compute service's Describe). */
export interface PartSpec {
  id: string;
  version: string;
  category: PartCategory;
  /** The stage-worker kind that runs it, e.g. `image` or `ai`. */
  stageKind: string;
  inputs: PortSpec[];
  outputs: PortSpec[];
  /** JSON Schema (draft 2020-12 subset understood by ajv) for the node's parameters. */
  parametersSchema: Record<string, unknown>;
  title?: { en: string; ja: string };
}

export interface RetryPolicy {
  /** Total tries including the first; 1 = no retry. */
  maxAttempts: number;
  initialBackoffMs: number;
  maxBackoffMs: number;
  multiplier: number;
}

export interface PortRef {
  node: string;
  port: string;
}

export interface EdgeDef {
  from: PortRef;
  to: PortRef;
}

/** Run this node only when a judgement output of another node has this verdict (OK / NG routes). */
export interface BranchCondition {
  node: string;
  port: string;
  verdict: 'OK' | 'NG';
}

export interface NodeDef {
  id: string;
  part: { id: string; version: string };
  parameters: Record<string, unknown>;
  retry?: Partial<RetryPolicy>;
  timeoutMs?: number;
  when?: BranchCondition;
  /** Free text shown on the canvas. Not part of the version hash. */
  label?: string;
}

export interface PipelineDefinition {
  nodes: NodeDef[];
  edges: EdgeDef[];
}

/** The pseudo-node that stands for the run's input image; edges from `source.image` feed the first parts. */
export const SOURCE_NODE = 'source';
export const SOURCE_PORT = 'image';

export const DEFAULT_RETRY: RetryPolicy = {
  maxAttempts: 3,
  initialBackoffMs: 500,
  maxBackoffMs: 10_000,
  multiplier: 2,
};
export const DEFAULT_TIMEOUT_MS = 30_000;

export const retryPolicyOf = (node: NodeDef): RetryPolicy => ({ ...DEFAULT_RETRY, ...node.retry });
export const timeoutOf = (node: NodeDef): number => node.timeoutMs ?? DEFAULT_TIMEOUT_MS;

/** Backoff before try `attempt` (2, 3, …), exponential and capped. Deterministic: replay gives the same times. */
export function backoffMs(policy: RetryPolicy, attempt: number): number {
  if (attempt <= 1) return 0;
  return Math.min(policy.maxBackoffMs, policy.initialBackoffMs * policy.multiplier ** (attempt - 2));
}

export const partKey = (id: string, version: string): string => `${id}@${version}`;

/** The catalog as a lookup by `id@version`. */
export type PartCatalog = ReadonlyMap<string, PartSpec>;

export function catalogOf(parts: Iterable<PartSpec>): PartCatalog {
  const map = new Map<string, PartSpec>();
  for (const part of parts) map.set(partKey(part.id, part.version), part);
  return map;
}
