// What changed between two pipeline versions: nodes and edges added or removed, and per node the part, the
// parameters and the other settings that differ. Values are compared by canonical JSON, so key order never counts.
import type { EdgeDef, NodeDef, PipelineDefinition } from '@imageflow/pipeline';

export interface ValueChange {
  name: string;
  from: unknown;
  to: unknown;
}

export interface NodeDiff {
  id: string;
  /** `id@version` before and after, when the part changed. */
  part: { from: string; to: string } | null;
  parameters: ValueChange[];
  /** label, retry, timeoutMs, when. */
  settings: ValueChange[];
}

export interface DefinitionDiff {
  nodes: { added: NodeDef[]; removed: NodeDef[]; changed: NodeDiff[] };
  edges: { added: EdgeDef[]; removed: EdgeDef[] };
}

/** JSON with object keys sorted, so two equal values always give the same text. */
export function stableJson(value: unknown): string {
  if (value === undefined) return 'null';
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

const same = (a: unknown, b: unknown): boolean => stableJson(a) === stableJson(b);

const edgeKey = (e: EdgeDef): string => `${e.from.node}.${e.from.port}->${e.to.node}.${e.to.port}`;
const partOf = (n: NodeDef): string => `${n.part.id}@${n.part.version}`;
const SETTINGS = ['label', 'retry', 'timeoutMs', 'when'] as const;

function changesOf(from: Record<string, unknown>, to: Record<string, unknown>): ValueChange[] {
  const names = [...new Set([...Object.keys(from), ...Object.keys(to)])].sort();
  return names.filter((n) => !same(from[n], to[n])).map((name) => ({ name, from: from[name], to: to[name] }));
}

export function diffDefinitions(from: PipelineDefinition, to: PipelineDefinition): DefinitionDiff {
  const before = new Map(from.nodes.map((n) => [n.id, n]));
  const after = new Map(to.nodes.map((n) => [n.id, n]));
  const changed: NodeDiff[] = [];
  for (const [id, b] of before) {
    const a = after.get(id);
    if (!a) continue;
    const settings = SETTINGS.filter((s) => !same(b[s], a[s])).map((name) => ({
      name,
      from: b[name],
      to: a[name],
    }));
    const diff: NodeDiff = {
      id,
      part: partOf(b) === partOf(a) ? null : { from: partOf(b), to: partOf(a) },
      parameters: changesOf(b.parameters, a.parameters),
      settings,
    };
    if (diff.part || diff.parameters.length || diff.settings.length) changed.push(diff);
  }
  const beforeEdges = new Set(from.edges.map(edgeKey));
  const afterEdges = new Set(to.edges.map(edgeKey));
  return {
    nodes: {
      added: to.nodes.filter((n) => !before.has(n.id)),
      removed: from.nodes.filter((n) => !after.has(n.id)),
      changed,
    },
    edges: {
      added: to.edges.filter((e) => !beforeEdges.has(edgeKey(e))),
      removed: from.edges.filter((e) => !afterEdges.has(edgeKey(e))),
    },
  };
}

export const isEmptyDiff = (d: DefinitionDiff): boolean =>
  !d.nodes.added.length &&
  !d.nodes.removed.length &&
  !d.nodes.changed.length &&
  !d.edges.added.length &&
  !d.edges.removed.length;

export const edgeText = (e: EdgeDef): string => `${e.from.node}.${e.from.port} → ${e.to.node}.${e.to.port}`;
