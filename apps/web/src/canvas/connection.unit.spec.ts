import { describe, expect, it } from 'vitest';
import { gatewayParts } from '../testing/gateway-parts';
import { buildCatalog, portKind } from './catalog';
import { checkConnection, isCompatibleEnd } from './connection';
import { definitionToGraph, type FlowGraph } from './graph';

const catalog = buildCatalog(gatewayParts());
const node = (id: string, part: string) => ({ id, part: { id: part, version: '1' }, parameters: {} });

/** source, resize (IMAGE→IMAGE), detect (IMAGE→DETECTIONS), annotate (IMAGE+DETECTIONS+TEXT→IMAGE), judge (DETECTIONS→JUDGEMENT). */
const graph = (): FlowGraph =>
  definitionToGraph({
    nodes: [
      node('resize', 'image.resize'),
      node('detect', 'ai.detect'),
      node('annotate', 'image.annotate'),
      node('judge', 'post.judge'),
    ],
    edges: [{ from: { node: 'source', port: 'image' }, to: { node: 'resize', port: 'image' } }],
  });

const link = (source: string, out: string, target: string, input: string) => ({
  source,
  sourceHandle: `out:${out}`,
  target,
  targetHandle: `in:${input}`,
});

describe('connection rule', () => {
  it('accepts an output into an input of the same PortKind', () => {
    expect(checkConnection(link('resize', 'image', 'detect', 'image'), graph(), catalog)).toEqual({
      ok: true,
      kind: 'IMAGE',
    });
    expect(checkConnection(link('detect', 'detections', 'annotate', 'detections'), graph(), catalog)).toEqual(
      {
        ok: true,
        kind: 'DETECTIONS',
      },
    );
    expect(checkConnection(link('source', 'image', 'detect', 'image'), graph(), catalog).ok).toBe(true);
  });

  it('refuses a type mismatch and names both kinds', () => {
    expect(checkConnection(link('resize', 'image', 'judge', 'detections'), graph(), catalog)).toEqual({
      ok: false,
      reason: 'type-mismatch',
      from: 'IMAGE',
      to: 'DETECTIONS',
    });
    expect(
      checkConnection(link('detect', 'detections', 'annotate', 'image'), graph(), catalog),
    ).toMatchObject({
      ok: false,
      reason: 'type-mismatch',
    });
  });

  it('refuses a second edge into an input that is already fed', () => {
    expect(checkConnection(link('source', 'image', 'resize', 'image'), graph(), catalog)).toMatchObject({
      ok: false,
      reason: 'input-taken',
    });
  });

  it('refuses handles that are not ports: unknown names, wrong sides, unknown nodes', () => {
    expect(checkConnection(link('resize', 'nope', 'detect', 'image'), graph(), catalog)).toMatchObject({
      reason: 'not-ports',
    });
    expect(checkConnection(link('resize', 'image', 'ghost', 'image'), graph(), catalog)).toMatchObject({
      reason: 'not-ports',
    });
    expect(
      checkConnection(
        { source: 'resize', sourceHandle: 'in:image', target: 'detect', targetHandle: 'in:image' },
        graph(),
        catalog,
      ),
    ).toMatchObject({ reason: 'not-ports' });
    expect(checkConnection(link('source', 'mask', 'detect', 'image'), graph(), catalog)).toMatchObject({
      reason: 'not-ports',
    });
  });

  it('allows drawing a cycle: validation reports it instead of the drag being refused', () => {
    const g = graph();
    g.edges.push({
      id: 'e',
      source: 'resize',
      sourceHandle: 'out:image',
      target: 'annotate',
      targetHandle: 'in:image',
    });
    expect(checkConnection(link('annotate', 'image', 'detect', 'image'), g, catalog).ok).toBe(true);
  });

  it('reads port kinds from the catalog, and IMAGE for the source node', () => {
    const g = graph();
    const find = (id: string) => g.nodes.find((n) => n.id === id) ?? { data: {} };
    expect(portKind(catalog, find('source'), 'out', 'image')).toBe('IMAGE');
    expect(portKind(catalog, find('source'), 'in', 'image')).toBeUndefined();
    expect(portKind(catalog, find('judge'), 'out', 'verdict')).toBe('JUDGEMENT');
    expect(portKind(catalog, find('annotate'), 'in', 'text')).toBe('TEXT');
  });

  it('lights up only ports of the other side and the same kind while dragging', () => {
    const from = { kind: 'IMAGE', side: 'out' } as const;
    expect(isCompatibleEnd(from, 'in', 'IMAGE')).toBe(true);
    expect(isCompatibleEnd(from, 'in', 'DETECTIONS')).toBe(false);
    expect(isCompatibleEnd(from, 'out', 'IMAGE')).toBe(false);
    expect(isCompatibleEnd({ kind: 'TEXT', side: 'in' }, 'out', 'TEXT')).toBe(true);
    expect(isCompatibleEnd(null, 'in', 'IMAGE')).toBe(false);
  });
});
