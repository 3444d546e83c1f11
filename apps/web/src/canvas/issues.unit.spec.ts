import { validateDefinition, type PipelineDefinition } from '@imageflow/pipeline';
import { fanOutFanIn } from '@imageflow/pipeline/testing';
import { describe, expect, it } from 'vitest';
import { gatewayParts } from '../testing/gateway-parts';
import { buildCatalog } from './catalog';
import { edgeId } from './graph';
import { placeIssues } from './issues';

const catalog = buildCatalog(gatewayParts());
const place = (d: PipelineDefinition) => {
  const result = validateDefinition(d, catalog.specs);
  return { result, placed: placeIssues(result, d) };
};

describe('placing validation issues on the canvas', () => {
  it('places nothing for a valid pipeline', () => {
    const { result, placed } = place(fanOutFanIn());
    expect(result.valid).toBe(true);
    expect(placed).toMatchObject({ count: 0, global: [] });
    expect(placed.byNode.size).toBe(0);
  });

  it('marks every node of a cycle, and blocks saving', () => {
    const node = (id: string, part: string) => ({ id, part: { id: part, version: '1' }, parameters: {} });
    const d: PipelineDefinition = {
      nodes: [
        node('gray', 'image.grayscale'),
        node('gray2', 'image.grayscale'),
        node('gray3', 'image.grayscale'),
        node('other', 'image.grayscale'),
      ],
      edges: [
        { from: { node: 'gray', port: 'image' }, to: { node: 'gray2', port: 'image' } },
        { from: { node: 'gray2', port: 'image' }, to: { node: 'gray3', port: 'image' } },
        { from: { node: 'gray3', port: 'image' }, to: { node: 'gray', port: 'image' } },
        { from: { node: 'source', port: 'image' }, to: { node: 'other', port: 'image' } },
      ],
    };
    const { result, placed } = place(d);
    expect(result.valid).toBe(false);
    expect(result.issues.map((i) => i.code)).toEqual(['CYCLE']);
    for (const id of ['gray', 'gray2', 'gray3']) {
      expect(placed.byNode.get(id)?.inCycle, id).toBe(true);
      expect(placed.byNode.get(id)?.node.map((i) => i.code)).toEqual(['CYCLE']);
    }
    expect(placed.byNode.has('other')).toBe(false);
  });

  it('puts port issues on the port and edge issues on the edge', () => {
    const d = fanOutFanIn();
    d.edges = d.edges.filter((e) => !(e.to.node === 'judge'));
    const mismatch = { from: { node: 'resize', port: 'image' }, to: { node: 'judge', port: 'detections' } };
    d.edges.push(mismatch);
    d.edges = d.edges.filter((e) => !(e.to.node === 'annotate' && e.to.port === 'detections'));
    const { placed } = place(d);
    expect(
      placed.byNode
        .get('judge')
        ?.ports.get('in:detections')
        ?.map((i) => i.code),
    ).toEqual(['TYPE_MISMATCH', 'MISSING_INPUT']);
    expect(placed.byEdge.get(edgeId(mismatch))?.map((i) => i.code)).toEqual(['TYPE_MISMATCH']);
    expect(
      placed.byNode
        .get('annotate')
        ?.ports.get('in:detections')
        ?.map((i) => i.code),
    ).toEqual(['MISSING_INPUT']);
    expect(placed.byNode.get('annotate')?.node).toEqual([]);
  });

  it('tells an unknown output port from an unknown input port of the same name', () => {
    const d = fanOutFanIn();
    d.edges.push({ from: { node: 'gray', port: 'nope' }, to: { node: 'annotate', port: 'text' } });
    d.edges.push({ from: { node: 'resize', port: 'image' }, to: { node: 'judge', port: 'nope' } });
    const { placed } = place(d);
    expect([...(placed.byNode.get('gray')?.ports.keys() ?? [])]).toEqual(['out:nope']);
    expect([...(placed.byNode.get('judge')?.ports.keys() ?? [])]).toEqual(['in:nope']);
  });

  it('puts parameter issues under their JSON pointer and on the node', () => {
    const d = fanOutFanIn();
    const resize = d.nodes.find((n) => n.id === 'resize');
    if (!resize) throw new Error('resize missing');
    resize.parameters = { width: 0, extra: 1 };
    const { placed } = place(d);
    const at = placed.byNode.get('resize');
    expect([...(at?.parameters.keys() ?? [])].sort()).toEqual(['', '/width']);
    expect(at?.node.every((i) => i.code === 'INVALID_PARAMETERS')).toBe(true);
  });

  it('keeps issues about no node global', () => {
    const { placed } = place({ nodes: [], edges: [] });
    expect(placed.global.map((i) => i.code)).toEqual(['EMPTY_PIPELINE']);
  });
});
