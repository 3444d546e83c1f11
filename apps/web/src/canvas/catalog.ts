// The parts from GET /api/v1/parts as the PartCatalog that validateDefinition (libs/pipeline) reads,
// so the canvas checks a draft with exactly the server's rules.
import { catalogOf, partKey, type PartCatalog, type PartSpec, type PortKind } from '@imageflow/pipeline';
import type { Part } from '../api/types';

export const toPartSpec = (part: Part): PartSpec => ({
  id: part.id,
  version: part.version,
  category: part.category,
  stageKind: part.stageKind,
  inputs: part.inputs.map((p) => ({ name: p.name, kind: p.kind, required: p.required })),
  outputs: part.outputs.map((p) => ({ name: p.name, kind: p.kind })),
  parametersSchema: part.parametersSchema,
  title: part.title,
});

export interface CanvasCatalog {
  /** For validateDefinition. */
  specs: PartCatalog;
  /** The gateway's parts (titles, port titles, descriptions) by `id@version`. */
  parts: ReadonlyMap<string, Part>;
}

export function buildCatalog(parts: readonly Part[]): CanvasCatalog {
  return {
    specs: catalogOf(parts.map(toPartSpec)),
    parts: new Map(parts.map((p) => [partKey(p.id, p.version), p])),
  };
}

export const findPart = (catalog: CanvasCatalog, ref: { id: string; version: string }): Part | undefined =>
  catalog.parts.get(partKey(ref.id, ref.version));

export type PortSide = 'in' | 'out';

/** The kind of a node's port: the source node has one IMAGE output. */
export function portKind(
  catalog: CanvasCatalog,
  node: { type?: string | undefined; data: unknown },
  side: PortSide,
  port: string,
): PortKind | undefined {
  if (node.type === 'source') return side === 'out' && port === 'image' ? 'IMAGE' : undefined;
  const data = node.data as { part?: { id: string; version: string } };
  if (!data.part) return undefined;
  const part = findPart(catalog, data.part);
  const ports = side === 'in' ? part?.inputs : part?.outputs;
  return ports?.find((p) => p.name === port)?.kind;
}
