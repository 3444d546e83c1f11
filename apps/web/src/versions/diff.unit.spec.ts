import type { PipelineDefinition } from '@imageflow/pipeline';
import { describe, expect, it } from 'vitest';
import { diffDefinitions, isEmptyDiff } from './diff';

const v1: PipelineDefinition = {
  nodes: [
    { id: 'resize', part: { id: 'pre.resize', version: '1.0.0' }, parameters: { width: 320, fit: 'inside' } },
    { id: 'blobs', part: { id: 'post.measure-blobs', version: '1.0.0' }, parameters: {} },
    { id: 'gray', part: { id: 'pre.grayscale', version: '1.0.0' }, parameters: {} },
  ],
  edges: [
    { from: { node: 'source', port: 'image' }, to: { node: 'resize', port: 'image' } },
    { from: { node: 'resize', port: 'image' }, to: { node: 'blobs', port: 'image' } },
    { from: { node: 'resize', port: 'image' }, to: { node: 'gray', port: 'image' } },
  ],
};

describe('diffDefinitions', () => {
  it('finds nothing between a definition and a reordered copy of itself', () => {
    const copy: PipelineDefinition = {
      nodes: [...v1.nodes]
        .reverse()
        .map((n) => ({ ...n, parameters: Object.fromEntries(Object.entries(n.parameters).reverse()) })),
      edges: [...v1.edges].reverse(),
    };
    expect(isEmptyDiff(diffDefinitions(v1, copy))).toBe(true);
  });

  it('reports added, removed and changed nodes, parameters, settings and edges', () => {
    const v2: PipelineDefinition = {
      nodes: [
        {
          id: 'resize',
          part: { id: 'pre.resize', version: '1.1.0' },
          parameters: { width: 640, height: 480 },
          label: 'Smaller',
        },
        { id: 'blobs', part: { id: 'post.measure-blobs', version: '1.0.0' }, parameters: {} },
        { id: 'annotate', part: { id: 'post.annotate', version: '1.0.0' }, parameters: {} },
      ],
      edges: [
        { from: { node: 'source', port: 'image' }, to: { node: 'resize', port: 'image' } },
        { from: { node: 'resize', port: 'image' }, to: { node: 'blobs', port: 'image' } },
        { from: { node: 'resize', port: 'image' }, to: { node: 'annotate', port: 'image' } },
      ],
    };
    const diff = diffDefinitions(v1, v2);
    expect(diff.nodes.added.map((n) => n.id)).toEqual(['annotate']);
    expect(diff.nodes.removed.map((n) => n.id)).toEqual(['gray']);
    expect(diff.nodes.changed).toEqual([
      {
        id: 'resize',
        part: { from: 'pre.resize@1.0.0', to: 'pre.resize@1.1.0' },
        parameters: [
          { name: 'fit', from: 'inside', to: undefined },
          { name: 'height', from: undefined, to: 480 },
          { name: 'width', from: 320, to: 640 },
        ],
        settings: [{ name: 'label', from: undefined, to: 'Smaller' }],
      },
    ]);
    expect(diff.edges.added).toEqual([
      { from: { node: 'resize', port: 'image' }, to: { node: 'annotate', port: 'image' } },
    ]);
    expect(diff.edges.removed).toEqual([
      { from: { node: 'resize', port: 'image' }, to: { node: 'gray', port: 'image' } },
    ]);
    expect(isEmptyDiff(diff)).toBe(false);
  });
});
