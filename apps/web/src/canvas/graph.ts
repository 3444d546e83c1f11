// PipelineDefinition ↔ React Flow graph. The definition carries no positions (they do not change what runs);
// the graph adds them, and the source pseudo-node that stands for the run's input image.
import {
  SOURCE_NODE,
  SOURCE_PORT,
  type EdgeDef,
  type NodeDef,
  type PipelineDefinition,
} from '@imageflow/pipeline';
import type { Edge, Node, XYPosition } from '@xyflow/react';
import type { PortSide } from './catalog';

export interface PartNodeData extends Record<string, unknown> {
  part: { id: string; version: string };
  parameters: Record<string, unknown>;
  label?: string;
  retry?: NodeDef['retry'];
  timeoutMs?: number;
  when?: NodeDef['when'];
}

export type SourceNodeData = Record<string, never>;
export type PartFlowNode = Node<PartNodeData, 'part'>;
export type SourceFlowNode = Node<SourceNodeData, 'source'>;
export type FlowNode = PartFlowNode | SourceFlowNode;
export type FlowEdge = Edge;

export interface FlowGraph {
  nodes: FlowNode[];
  edges: FlowEdge[];
}

/** Handle ids carry the side so an input and an output of the same name never clash. */
export const handleId = (side: PortSide, port: string): string => `${side}:${port}`;

export function parseHandleId(id: string | null | undefined): { side: PortSide; port: string } | undefined {
  if (!id) return undefined;
  const match = /^(in|out):(.+)$/.exec(id);
  return match ? { side: match[1] as PortSide, port: match[2] as string } : undefined;
}

export const edgeId = (e: EdgeDef): string => `${e.from.node}.${e.from.port}->${e.to.node}.${e.to.port}`;

export const sourceNode = (position: XYPosition = { x: 0, y: 0 }): SourceFlowNode => ({
  id: SOURCE_NODE,
  type: 'source',
  position,
  data: {},
  deletable: false,
});

export function flowEdgeOf(e: EdgeDef): FlowEdge {
  return {
    id: edgeId(e),
    source: e.from.node,
    sourceHandle: handleId('out', e.from.port),
    target: e.to.node,
    targetHandle: handleId('in', e.to.port),
  };
}

export function partNodeOf(def: NodeDef, position: XYPosition): PartFlowNode {
  const data: PartNodeData = { part: { ...def.part }, parameters: { ...def.parameters } };
  if (def.label !== undefined) data.label = def.label;
  if (def.retry !== undefined) data.retry = def.retry;
  if (def.timeoutMs !== undefined) data.timeoutMs = def.timeoutMs;
  if (def.when !== undefined) data.when = def.when;
  return { id: def.id, type: 'part', position, data };
}

/** The graph of a definition; nodes without a known position go to the origin (auto-layout places them). */
export function definitionToGraph(
  definition: PipelineDefinition,
  positions: ReadonlyMap<string, XYPosition> = new Map(),
): FlowGraph {
  const origin = { x: 0, y: 0 };
  return {
    nodes: [
      sourceNode(positions.get(SOURCE_NODE) ?? origin),
      ...definition.nodes.map((n) => partNodeOf(n, positions.get(n.id) ?? origin)),
    ],
    edges: definition.edges.map(flowEdgeOf),
  };
}

/** The definition a graph stands for; edges whose handles are not ports are left out. */
export function graphToDefinition(graph: FlowGraph): PipelineDefinition {
  const nodes: NodeDef[] = [];
  for (const n of graph.nodes) {
    if (n.type !== 'part') continue;
    const d = n.data;
    const def: NodeDef = { id: n.id, part: { ...d.part }, parameters: { ...d.parameters } };
    if (d.label !== undefined && d.label !== '') def.label = d.label;
    if (d.retry !== undefined) def.retry = d.retry;
    if (d.timeoutMs !== undefined) def.timeoutMs = d.timeoutMs;
    if (d.when !== undefined) def.when = d.when;
    nodes.push(def);
  }
  const edges: EdgeDef[] = [];
  for (const e of graph.edges) {
    const from = parseHandleId(e.sourceHandle);
    const to = parseHandleId(e.targetHandle);
    if (from?.side !== 'out' || to?.side !== 'in') continue;
    edges.push({ from: { node: e.source, port: from.port }, to: { node: e.target, port: to.port } });
  }
  return { nodes, edges };
}

/** A node id for a new node of a part: its last id segment, made valid, numbered if taken (resize, resize-2, …). */
export function nextNodeId(partId: string, taken: Iterable<string>): string {
  const used = new Set(taken);
  const last = partId.split('.').pop() ?? partId;
  let base = last.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 56);
  if (!/^[A-Za-z]/.test(base)) base = `n-${base}`;
  if (base === SOURCE_NODE) base = `${base}-node`;
  if (!used.has(base)) return base;
  for (let i = 2; ; i++) if (!used.has(`${base}-${i}`)) return `${base}-${i}`;
}

export const SOURCE_HANDLE = handleId('out', SOURCE_PORT);
