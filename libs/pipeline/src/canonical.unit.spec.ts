import { describe, expect, it } from 'vitest';
import { canonicalJson, versionIdOf } from './index';
import { fanOutFanIn } from './testing';

describe('version identity', () => {
  it('is a sha256 of the canonical definition', () => {
    expect(versionIdOf(fanOutFanIn())).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('ignores node order, edge order, key order and labels', () => {
    const a = fanOutFanIn();
    const b = fanOutFanIn();
    b.nodes.reverse();
    b.edges.reverse();
    b.nodes[0]!.label = 'renamed on the canvas';
    b.nodes[1]!.parameters = Object.fromEntries(Object.entries(b.nodes[1]!.parameters).reverse());
    expect(canonicalJson(b)).toBe(canonicalJson(a));
    expect(versionIdOf(b)).toBe(versionIdOf(a));
  });

  it('changes when anything that changes a result changes', () => {
    const a = fanOutFanIn();
    const b = fanOutFanIn();
    b.nodes[0]!.parameters = { ...b.nodes[0]!.parameters, width: 641 };
    const c = fanOutFanIn();
    c.nodes[1]!.retry = { maxAttempts: 5 };
    expect(new Set([versionIdOf(a), versionIdOf(b), versionIdOf(c)]).size).toBe(3);
  });
});
