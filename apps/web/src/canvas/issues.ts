// Places validateDefinition's issues where the canvas shows them: on nodes, on ports, on edges, or globally.
import type { PipelineDefinition, ValidationIssue, ValidationResult } from '@imageflow/pipeline';
import { edgeId, handleId } from './graph';

export interface NodeIssues {
  /** Issues about the node itself (part, parameters, policy, cycle, …). */
  node: ValidationIssue[];
  /** Issues about one of its ports, by handle id (`in:image`, `out:image`: a part may use a name on both sides). */
  ports: Map<string, ValidationIssue[]>;
  /** Parameter issues by JSON pointer (`/threshold`), for the form. */
  parameters: Map<string, ValidationIssue[]>;
  /** True when the node is on a cycle. */
  inCycle: boolean;
}

export interface PlacedIssues {
  byNode: Map<string, NodeIssues>;
  byEdge: Map<string, ValidationIssue[]>;
  /** Issues with no node (EMPTY_PIPELINE). */
  global: ValidationIssue[];
  count: number;
}

const push = <K, V>(map: Map<K, V[]>, key: K, value: V): void => {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
};

export function placeIssues(result: ValidationResult, definition: PipelineDefinition): PlacedIssues {
  const byNode = new Map<string, NodeIssues>();
  const at = (id: string): NodeIssues => {
    let entry = byNode.get(id);
    if (!entry) {
      entry = { node: [], ports: new Map(), parameters: new Map(), inCycle: false };
      byNode.set(id, entry);
    }
    return entry;
  };
  const byEdge = new Map<string, ValidationIssue[]>();
  const global: ValidationIssue[] = [];

  for (const issue of result.issues) {
    if (issue.edge !== undefined) {
      const edge = definition.edges[issue.edge];
      if (edge) push(byEdge, edgeId(edge), issue);
    }
    if (issue.code === 'CYCLE' && issue.cycle) {
      for (const id of new Set(issue.cycle)) {
        const entry = at(id);
        entry.inCycle = true;
        entry.node.push(issue);
      }
      continue;
    }
    if (!issue.nodeId) {
      if (issue.edge === undefined) global.push(issue);
      continue;
    }
    const entry = at(issue.nodeId);
    if (issue.code === 'INVALID_PARAMETERS') {
      push(entry.parameters, issue.path ?? '', issue);
      entry.node.push(issue);
    } else if (issue.port !== undefined) {
      // Only an UNKNOWN_PORT on the edge's source end is about an output; every other port issue is an input's.
      const edge = issue.edge !== undefined ? definition.edges[issue.edge] : undefined;
      const output =
        issue.code === 'UNKNOWN_PORT' && edge?.from.node === issue.nodeId && edge.from.port === issue.port;
      push(entry.ports, handleId(output ? 'out' : 'in', issue.port), issue);
    } else {
      entry.node.push(issue);
    }
  }
  return { byNode, byEdge, global, count: result.issues.length };
}
