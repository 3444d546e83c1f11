import { canonicalJson, SOURCE_NODE, type PipelineDefinition } from '@imageflow/pipeline';
import { fanOutFanIn } from '@imageflow/pipeline/testing';
import { describe, expect, it } from 'vitest';
import {
  definitionToGraph,
  edgeId,
  graphToDefinition,
  handleId,
  nextNodeId,
  parseHandleId,
  type FlowGraph,
} from './graph';

describe('definition ↔ React Flow graph', () => {
  it('round-trips a fan-out/fan-in definition without changing what runs', () => {
    const definition = fanOutFanIn();
    const graph = definitionToGraph(definition);
    expect(canonicalJson(graphToDefinition(graph))).toBe(canonicalJson(definition));
  });

  it('keeps label, retry, timeout and branch condition', () => {
    const definition: PipelineDefinition = {
      nodes: [
        {
          id: 'judge',
          part: { id: 'post.judge', version: '1' },
          parameters: { minCount: 2 },
          label: 'Count parts',
          retry: { maxAttempts: 5 },
          timeoutMs: 2_000,
          when: { node: 'other', port: 'verdict', verdict: 'NG' },
        },
      ],
      edges: [],
    };
    expect(graphToDefinition(definitionToGraph(definition))).toEqual(definition);
  });

  it('adds the source node (not deletable) with one IMAGE output, and leaves it out of the definition', () => {
    const graph = definitionToGraph(fanOutFanIn());
    const source = graph.nodes.find((n) => n.id === SOURCE_NODE);
    expect(source).toMatchObject({ type: 'source', deletable: false });
    expect(graphToDefinition(graph).nodes.map((n) => n.id)).not.toContain(SOURCE_NODE);
    const firstEdge = graph.edges[0];
    expect(firstEdge).toMatchObject({
      source: 'source',
      sourceHandle: 'out:image',
      target: 'resize',
      targetHandle: 'in:image',
    });
  });

  it('uses side-prefixed handle ids and stable edge ids', () => {
    expect(handleId('in', 'image')).toBe('in:image');
    expect(parseHandleId('out:detections')).toEqual({ side: 'out', port: 'detections' });
    expect(parseHandleId('out:a:b')).toEqual({ side: 'out', port: 'a:b' });
    expect(parseHandleId('image')).toBeUndefined();
    expect(parseHandleId(null)).toBeUndefined();
    expect(edgeId({ from: { node: 'a', port: 'x' }, to: { node: 'b', port: 'y' } })).toBe('a.x->b.y');
  });

  it('places nodes at the given positions', () => {
    const graph = definitionToGraph(fanOutFanIn(), new Map([['detect', { x: 10, y: 20 }]]));
    expect(graph.nodes.find((n) => n.id === 'detect')?.position).toEqual({ x: 10, y: 20 });
    expect(graph.nodes.find((n) => n.id === 'gray')?.position).toEqual({ x: 0, y: 0 });
  });

  it('leaves out edges whose handles are not ports of the right side', () => {
    const graph: FlowGraph = definitionToGraph(fanOutFanIn());
    graph.edges.push({
      id: 'bad',
      source: 'resize',
      sourceHandle: 'in:image',
      target: 'gray',
      targetHandle: 'in:image',
    });
    graph.edges.push({
      id: 'bare',
      source: 'resize',
      sourceHandle: null,
      target: 'gray',
      targetHandle: null,
    });
    expect(graphToDefinition(graph).edges).toHaveLength(fanOutFanIn().edges.length);
  });

  it('names new nodes after the part, valid and unique', () => {
    expect(nextNodeId('pre.resize', [])).toBe('resize');
    expect(nextNodeId('pre.resize', ['resize', 'resize-2'])).toBe('resize-3');
    expect(nextNodeId('ai.2d-code', [])).toBe('n-2d-code');
    expect(nextNodeId('x.source', [])).toBe('source-node');
    expect(nextNodeId('post.a b', [])).toMatch(/^[A-Za-z][A-Za-z0-9_-]*$/);
  });
});
