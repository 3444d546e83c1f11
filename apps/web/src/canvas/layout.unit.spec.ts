import { fanOutFanIn } from '@imageflow/pipeline/testing';
import { describe, expect, it } from 'vitest';
import { definitionToGraph } from './graph';
import { layoutGraph } from './layout';

describe('auto-layout', () => {
  it('places every node left of the nodes it feeds', () => {
    const graph = definitionToGraph(fanOutFanIn());
    const nodes = layoutGraph(graph);
    const x = new Map(nodes.map((n) => [n.id, n.position.x]));
    for (const e of graph.edges)
      expect(x.get(e.source) ?? 0, `${e.source}→${e.target}`).toBeLessThan(x.get(e.target) ?? 0);
  });
});
