// Auto-layout: left to right by dependency, with dagre.
import dagre from '@dagrejs/dagre';
import type { FlowGraph, FlowNode } from './graph';

const DEFAULT_SIZE = { width: 220, height: 120 };

export function layoutGraph(graph: FlowGraph): FlowNode[] {
  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: 'LR', nodesep: 40, ranksep: 90, marginx: 20, marginy: 20 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const n of graph.nodes) {
    g.setNode(n.id, {
      width: n.measured?.width ?? DEFAULT_SIZE.width,
      height: n.measured?.height ?? DEFAULT_SIZE.height,
    });
  }
  for (const e of graph.edges) if (e.source !== e.target) g.setEdge(e.source, e.target);
  dagre.layout(g);
  return graph.nodes.map((n) => {
    const p = g.node(n.id);
    const width = n.measured?.width ?? DEFAULT_SIZE.width;
    const height = n.measured?.height ?? DEFAULT_SIZE.height;
    return p ? { ...n, position: { x: p.x - width / 2, y: p.y - height / 2 } } : n;
  });
}
