import { describe, expect, it } from 'vitest';
import { buildCatalog } from './catalog';
import { graphToDefinition, sourceNode, type FlowGraph, type PartFlowNode } from './graph';
import { compatibleOutputs, feedOf, setFeed } from './port-connections';
import { gatewayParts } from '../testing/gateway-parts';

const parts = gatewayParts();
const catalog = buildCatalog(parts);
const node = (id: string, partId: string): PartFlowNode => {
  const part = parts.find((p) => p.id === partId);
  if (!part) throw new Error(`fixture has no ${partId}`);
  return {
    id,
    type: 'part',
    position: { x: 0, y: 0 },
    data: { part: { id: part.id, version: part.version }, parameters: {} },
  };
};

describe('keyboard connections', () => {
  it('offers only outputs of the input kind on other nodes, and replaces the feed of an input', () => {
    const ids = parts.map((p) => p.id);
    const imagePart = parts.find(
      (p) => p.inputs.some((i) => i.kind === 'IMAGE') && p.outputs.some((o) => o.kind === 'IMAGE'),
    );
    if (!imagePart) throw new Error(`fixture parts ${ids.join(', ')} have no IMAGE → IMAGE part`);
    const graph: FlowGraph = {
      nodes: [sourceNode(), node('a', imagePart.id), node('b', imagePart.id)],
      edges: [],
    };
    const input = imagePart.inputs.find((i) => i.kind === 'IMAGE')?.name ?? '';
    const output = imagePart.outputs.find((o) => o.kind === 'IMAGE')?.name ?? '';
    const offered = compatibleOutputs(graph, catalog, 'b', input);
    expect(offered).toContainEqual({ node: 'source', port: 'image' });
    expect(offered).toContainEqual({ node: 'a', port: output });
    expect(offered.some((o) => o.node === 'b')).toBe(false);

    let g = setFeed(graph, 'b', input, { node: 'source', port: 'image' });
    g = setFeed(g, 'b', input, { node: 'a', port: output });
    expect(feedOf(g, 'b', input)).toEqual({ node: 'a', port: output });
    expect(graphToDefinition(g).edges).toEqual([
      { from: { node: 'a', port: output }, to: { node: 'b', port: input } },
    ]);
    expect(setFeed(g, 'b', input, null).edges).toEqual([]);
  });
});
