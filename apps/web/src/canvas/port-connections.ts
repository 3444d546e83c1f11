// Connecting ports without a mouse: for an input of the selected node, the outputs of other nodes that may feed it
// (same PortKind), and the graph with that input fed from one of them (or from none).
import type { CanvasCatalog } from './catalog';
import { portKind } from './catalog';
import { edgeId, handleId, parseHandleId, type FlowGraph } from './graph';

export interface OutputRef {
  node: string;
  port: string;
}

/** Every output of another node whose kind is the input's kind. */
export function compatibleOutputs(
  graph: FlowGraph,
  catalog: CanvasCatalog,
  nodeId: string,
  inputPort: string,
): OutputRef[] {
  const target = graph.nodes.find((n) => n.id === nodeId);
  const kind = target ? portKind(catalog, target, 'in', inputPort) : undefined;
  if (!kind) return [];
  const refs: OutputRef[] = [];
  for (const n of graph.nodes) {
    if (n.id === nodeId) continue;
    const outputs =
      n.type === 'source'
        ? ['image']
        : (catalog.parts.get(`${n.data.part.id}@${n.data.part.version}`)?.outputs.map((p) => p.name) ?? []);
    for (const port of outputs)
      if (portKind(catalog, n, 'out', port) === kind) refs.push({ node: n.id, port });
  }
  return refs;
}

/** The output that feeds an input now, if any. */
export function feedOf(graph: FlowGraph, nodeId: string, inputPort: string): OutputRef | undefined {
  const edge = graph.edges.find(
    (e) => e.target === nodeId && parseHandleId(e.targetHandle)?.port === inputPort,
  );
  const from = edge ? parseHandleId(edge.sourceHandle) : undefined;
  return edge && from ? { node: edge.source, port: from.port } : undefined;
}

/** The graph with the input fed from `from` (replacing what fed it), or unconnected when `from` is null. */
export function setFeed(
  graph: FlowGraph,
  nodeId: string,
  inputPort: string,
  from: OutputRef | null,
): FlowGraph {
  const targetHandle = handleId('in', inputPort);
  const edges = graph.edges.filter((e) => !(e.target === nodeId && e.targetHandle === targetHandle));
  if (from) {
    edges.push({
      id: edgeId({ from, to: { node: nodeId, port: inputPort } }),
      source: from.node,
      sourceHandle: handleId('out', from.port),
      target: nodeId,
      targetHandle,
    });
  }
  return { ...graph, edges };
}
