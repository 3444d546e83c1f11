import { describe, expect, it } from 'vitest';
import { catalogOf, validateDefinition, type PipelineDefinition } from './index';
import { fanOutFanIn, testCatalogParts } from './testing';

const catalog = catalogOf(testCatalogParts);
const codes = (d: PipelineDefinition) => validateDefinition(d, catalog).issues.map((i) => i.code);

describe('validateDefinition', () => {
  it('accepts a well-formed fan-out/fan-in pipeline', () => {
    expect(validateDefinition(fanOutFanIn(), catalog)).toEqual({ valid: true, issues: [] });
  });

  it('names the nodes of a cycle, in order', () => {
    const d = fanOutFanIn();
    // judge → annotate would be fine, but annotate → resize closes resize → annotate → resize.
    d.nodes.push({ id: 'loop', part: { id: 'image.grayscale', version: '1' }, parameters: {} });
    d.edges = d.edges.filter((e) => !(e.to.node === 'resize'));
    d.edges.push({ from: { node: 'annotate', port: 'image' }, to: { node: 'loop', port: 'image' } });
    d.edges.push({ from: { node: 'loop', port: 'image' }, to: { node: 'resize', port: 'image' } });
    const { issues } = validateDefinition(d, catalog);
    const cycle = issues.find((i) => i.code === 'CYCLE');
    // annotate → loop → resize → detect → annotate, in the direction the data flows.
    expect(cycle?.cycle).toEqual(['annotate', 'loop', 'resize', 'detect', 'annotate']);
    const path = cycle?.cycle ?? [];
    for (let i = 0; i + 1 < path.length; i++) {
      expect(d.edges.some((e) => e.from.node === path[i] && e.to.node === path[i + 1])).toBe(true);
    }
    expect(cycle?.message).toBe('cycle: annotate → loop → resize → detect → annotate');
  });

  it('refuses a port type mismatch, naming both ends', () => {
    const d = fanOutFanIn();
    d.edges.push({ from: { node: 'detect', port: 'detections' }, to: { node: 'gray', port: 'image' } });
    d.edges = d.edges.filter((e) => !(e.to.node === 'gray' && e.from.node === 'resize'));
    const issue = validateDefinition(d, catalog).issues.find((i) => i.code === 'TYPE_MISMATCH');
    expect(issue).toMatchObject({ nodeId: 'gray', port: 'image' });
    expect(issue?.message).toContain('detect.detections gives DETECTIONS but gray.image takes IMAGE');
  });

  it('reports a missing required input but not a missing optional one', () => {
    const d = fanOutFanIn();
    d.edges = d.edges.filter((e) => !(e.to.node === 'annotate' && e.to.port === 'detections'));
    const issues = validateDefinition(d, catalog).issues;
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ code: 'MISSING_INPUT', nodeId: 'annotate', port: 'detections' });
  });

  it('checks parameters against the part JSON Schema with a pointer to the bad value', () => {
    const d = fanOutFanIn();
    d.nodes[0]!.parameters = { width: -5, fit: 'stretch', colour: 'red' };
    const issues = validateDefinition(d, catalog).issues.filter((i) => i.code === 'INVALID_PARAMETERS');
    expect(issues.map((i) => i.path).sort()).toEqual(['', '/fit', '/width']);
    expect(issues.map((i) => i.message).join('\n')).toContain('unknown parameter "colour"');
  });

  it('reports unknown parts, nodes and ports, duplicates and bad ids', () => {
    const d: PipelineDefinition = {
      nodes: [
        { id: 'a', part: { id: 'image.nope', version: '1' }, parameters: {} },
        { id: 'b', part: { id: 'image.grayscale', version: '1' }, parameters: {} },
        { id: 'b', part: { id: 'image.grayscale', version: '1' }, parameters: {} },
        { id: 'source', part: { id: 'image.grayscale', version: '1' }, parameters: {} },
      ],
      edges: [
        { from: { node: 'source', port: 'image' }, to: { node: 'b', port: 'image' } },
        { from: { node: 'ghost', port: 'image' }, to: { node: 'b', port: 'image' } },
        { from: { node: 'b', port: 'nothing' }, to: { node: 'a', port: 'image' } },
      ],
    };
    expect(codes(d).sort()).toEqual(
      [
        'DUPLICATE_NODE',
        'INVALID_NODE_ID',
        'MISSING_INPUT',
        'UNKNOWN_NODE',
        'UNKNOWN_PART',
        'UNKNOWN_PORT',
      ].sort(),
    );
  });

  it('accepts an OK/NG branch on a judgement and refuses one on another kind of port', () => {
    const d = fanOutFanIn();
    d.nodes.find((n) => n.id === 'annotate')!.when = { node: 'judge', port: 'verdict', verdict: 'NG' };
    expect(validateDefinition(d, catalog).valid).toBe(true);
    d.nodes.find((n) => n.id === 'annotate')!.when = { node: 'detect', port: 'detections', verdict: 'NG' };
    expect(codes(d)).toEqual(['INVALID_CONDITION']);
  });

  it('counts a branch condition as a dependency when looking for cycles', () => {
    const d = fanOutFanIn();
    // judge waits on detect; making detect conditional on judge closes a loop without any edge.
    d.nodes.find((n) => n.id === 'detect')!.when = { node: 'judge', port: 'verdict', verdict: 'OK' };
    expect(codes(d)).toContain('CYCLE');
  });

  it('refuses an empty pipeline', () => {
    expect(codes({ nodes: [], edges: [] })).toEqual(['EMPTY_PIPELINE']);
  });
});
