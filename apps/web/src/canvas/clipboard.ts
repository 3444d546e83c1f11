// Copy and paste of part nodes: the copied nodes get fresh ids, and only the edges between copied nodes come along
// (a pasted node's inputs from outside the copy stay open, as they would on a new node).
import type { FlowEdge, FlowGraph, PartFlowNode } from './graph';
import { edgeId, nextNodeId, parseHandleId } from './graph';

export interface Clipboard {
  nodes: PartFlowNode[];
  edges: FlowEdge[];
}

export function copySelection(graph: FlowGraph): Clipboard | null {
  const nodes = graph.nodes.filter((n): n is PartFlowNode => n.type === 'part' && !!n.selected);
  if (!nodes.length) return null;
  const ids = new Set(nodes.map((n) => n.id));
  return {
    nodes: structuredClone(nodes),
    edges: structuredClone(graph.edges.filter((e) => ids.has(e.source) && ids.has(e.target))),
  };
}

/** The graph with the clipboard added (offset by `offset`), the pasted nodes selected and the rest unselected. */
export function pasteClipboard(graph: FlowGraph, clip: Clipboard, offset = 40): FlowGraph {
  const taken = graph.nodes.map((n) => n.id);
  const rename = new Map<string, string>();
  for (const n of clip.nodes) {
    const id = nextNodeId(n.data.part.id, taken);
    taken.push(id);
    rename.set(n.id, id);
  }
  const nodes: PartFlowNode[] = clip.nodes.map((n) => ({
    ...structuredClone(n),
    id: rename.get(n.id) ?? n.id,
    position: { x: n.position.x + offset, y: n.position.y + offset },
    selected: true,
  }));
  const edges: FlowEdge[] = [];
  for (const e of clip.edges) {
    const source = rename.get(e.source);
    const target = rename.get(e.target);
    const from = parseHandleId(e.sourceHandle);
    const to = parseHandleId(e.targetHandle);
    if (!source || !target || !from || !to) continue;
    edges.push({
      ...e,
      id: edgeId({ from: { node: source, port: from.port }, to: { node: target, port: to.port } }),
      source,
      target,
      selected: false,
    });
  }
  return {
    nodes: [...graph.nodes.map((n) => (n.selected ? { ...n, selected: false } : n)), ...nodes],
    edges: [...graph.edges.map((e) => (e.selected ? { ...e, selected: false } : e)), ...edges],
  };
}
