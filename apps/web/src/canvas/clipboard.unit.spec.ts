import { describe, expect, it } from 'vitest';
import { copySelection, pasteClipboard } from './clipboard';
import { graphToDefinition, sourceNode, type FlowGraph, type PartFlowNode } from './graph';

const part = (id: string, partId: string, selected: boolean): PartFlowNode => ({
  id,
  type: 'part',
  position: { x: 100, y: 50 },
  data: { part: { id: partId, version: '1.0.0' }, parameters: { width: 320 } },
  selected,
});

const graph: FlowGraph = {
  nodes: [
    sourceNode(),
    part('resize', 'pre.resize', true),
    part('blur', 'pre.blur', true),
    part('gray', 'pre.grayscale', false),
  ],
  edges: [
    { id: 'e1', source: 'source', sourceHandle: 'out:image', target: 'resize', targetHandle: 'in:image' },
    { id: 'e2', source: 'resize', sourceHandle: 'out:image', target: 'blur', targetHandle: 'in:image' },
    { id: 'e3', source: 'resize', sourceHandle: 'out:image', target: 'gray', targetHandle: 'in:image' },
  ],
};

describe('copy and paste', () => {
  it('copies the selected part nodes and only the edges between them', () => {
    const clip = copySelection(graph);
    expect(clip?.nodes.map((n) => n.id)).toEqual(['resize', 'blur']);
    expect(clip?.edges.map((e) => e.id)).toEqual(['e2']);
    expect(copySelection({ nodes: [sourceNode()], edges: [] })).toBeNull();
  });

  it('pastes with fresh ids, offset positions, the inner edge renamed and the copies selected', () => {
    const clip = copySelection(graph);
    if (!clip) throw new Error('nothing copied');
    const pasted = pasteClipboard(graph, clip);
    const added = pasted.nodes.slice(graph.nodes.length);
    expect(added.map((n) => [n.id, n.position, n.selected])).toEqual([
      ['resize-2', { x: 140, y: 90 }, true],
      ['blur-2', { x: 140, y: 90 }, true],
    ]);
    expect(pasted.nodes.slice(0, graph.nodes.length).some((n) => n.selected)).toBe(false);
    const def = graphToDefinition(pasted);
    expect(def.nodes.find((n) => n.id === 'resize-2')?.parameters).toEqual({ width: 320 });
    expect(def.edges).toContainEqual({
      from: { node: 'resize-2', port: 'image' },
      to: { node: 'blur-2', port: 'image' },
    });
    expect(def.edges).toHaveLength(4);
  });
});
