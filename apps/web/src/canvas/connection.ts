// The connection rule of the canvas: an output connects only to an input of the same PortKind, and an input
// takes one edge. Cycles can be drawn on purpose — validateDefinition reports them on every node involved.
import type { PortKind } from '@imageflow/pipeline';
import { portKind, type CanvasCatalog, type PortSide } from './catalog';
import { parseHandleId, type FlowGraph } from './graph';

export interface ConnectionLike {
  source: string;
  sourceHandle?: string | null;
  target: string;
  targetHandle?: string | null;
}

export type ConnectionVerdict =
  | { ok: true; kind: PortKind }
  | { ok: false; reason: 'not-ports' | 'type-mismatch' | 'input-taken'; from?: PortKind; to?: PortKind };

export function checkConnection(
  c: ConnectionLike,
  graph: FlowGraph,
  catalog: CanvasCatalog,
): ConnectionVerdict {
  const from = parseHandleId(c.sourceHandle);
  const to = parseHandleId(c.targetHandle);
  const sourceNode = graph.nodes.find((n) => n.id === c.source);
  const targetNode = graph.nodes.find((n) => n.id === c.target);
  if (from?.side !== 'out' || to?.side !== 'in' || !sourceNode || !targetNode)
    return { ok: false, reason: 'not-ports' };
  const fromKind = portKind(catalog, sourceNode, 'out', from.port);
  const toKind = portKind(catalog, targetNode, 'in', to.port);
  if (!fromKind || !toKind) return { ok: false, reason: 'not-ports' };
  if (fromKind !== toKind) return { ok: false, reason: 'type-mismatch', from: fromKind, to: toKind };
  const taken = graph.edges.some((e) => e.target === c.target && e.targetHandle === c.targetHandle);
  if (taken) return { ok: false, reason: 'input-taken', from: fromKind, to: toKind };
  return { ok: true, kind: fromKind };
}

/** While a connection is dragged from a port of `from` kind on side `fromSide`: may it end on this port? */
export const isCompatibleEnd = (
  from: { kind: PortKind; side: PortSide } | null | undefined,
  side: PortSide,
  kind: PortKind,
): boolean => !!from && from.side !== side && from.kind === kind;
