import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import {
  partKey,
  SOURCE_NODE,
  SOURCE_PORT,
  type NodeDef,
  type PartCatalog,
  type PartSpec,
  type PipelineDefinition,
  type PortKind,
} from './definition';

export type IssueCode =
  | 'EMPTY_PIPELINE'
  | 'INVALID_NODE_ID'
  | 'DUPLICATE_NODE'
  | 'UNKNOWN_PART'
  | 'UNKNOWN_NODE'
  | 'UNKNOWN_PORT'
  | 'TYPE_MISMATCH'
  | 'DUPLICATE_INPUT'
  | 'MISSING_INPUT'
  | 'INVALID_PARAMETERS'
  | 'INVALID_POLICY'
  | 'INVALID_CONDITION'
  | 'CYCLE';

/** One problem, located: the node, port, edge or parameter it concerns, so the canvas can show it there. */
export interface ValidationIssue {
  code: IssueCode;
  message: string;
  nodeId?: string;
  port?: string;
  /** Index into `definition.edges`. */
  edge?: number;
  /** JSON pointer into the node's parameters, for INVALID_PARAMETERS. */
  path?: string;
  /** The nodes on the cycle, in order, for CYCLE. */
  cycle?: string[];
}

export interface ValidationResult {
  valid: boolean;
  issues: ValidationIssue[];
}

const NODE_ID = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;

const ajv = new Ajv({ allErrors: true, strict: false, useDefaults: false });
const compiled = new WeakMap<object, ValidateFunction>();
function schemaValidator(schema: Record<string, unknown>): ValidateFunction {
  let fn = compiled.get(schema);
  if (!fn) {
    fn = ajv.compile(schema);
    compiled.set(schema, fn);
  }
  return fn;
}

const describeAjvError = (e: ErrorObject): string => {
  const where = e.instancePath || '(parameters)';
  if (e.keyword === 'additionalProperties')
    return `${where}: unknown parameter "${String(e.params['additionalProperty'])}"`;
  if (e.keyword === 'required') return `${where}: missing parameter "${String(e.params['missingProperty'])}"`;
  return `${where} ${e.message ?? 'is invalid'}`;
};

/** The parameter problems of one node against its part's JSON Schema. */
export function validateParameters(node: NodeDef, part: PartSpec): ValidationIssue[] {
  const validate = schemaValidator(part.parametersSchema);
  if (validate(node.parameters ?? {})) return [];
  return (validate.errors ?? []).map((e) => ({
    code: 'INVALID_PARAMETERS' as const,
    nodeId: node.id,
    path: e.instancePath || (e.keyword === 'required' ? `/${String(e.params['missingProperty'])}` : ''),
    message: `node "${node.id}": ${describeAjvError(e)}`,
  }));
}

/** Finds one cycle through the dependency graph (edges and branch conditions), as the ordered list of its nodes. */
export function findCycle(nodeIds: string[], dependsOn: Map<string, Set<string>>): string[] | undefined {
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (id: string): string[] | undefined => {
    state.set(id, 'visiting');
    stack.push(id);
    for (const dep of [...(dependsOn.get(id) ?? [])].sort()) {
      if (state.get(dep) === 'visiting') return [...stack.slice(stack.indexOf(dep)), dep];
      if (!state.has(dep)) {
        const found = visit(dep);
        if (found) return found;
      }
    }
    stack.pop();
    state.set(id, 'done');
    return undefined;
  };
  for (const id of [...nodeIds].sort()) {
    if (!state.has(id)) {
      const found = visit(id);
      if (found) return found.reverse();
    }
  }
  return undefined;
}

/** The nodes each node waits for: the sources of its input edges and the node its branch condition reads. */
export function dependencies(definition: PipelineDefinition): Map<string, Set<string>> {
  const deps = new Map<string, Set<string>>(definition.nodes.map((n) => [n.id, new Set<string>()]));
  for (const edge of definition.edges) {
    if (edge.from.node !== SOURCE_NODE) deps.get(edge.to.node)?.add(edge.from.node);
  }
  for (const node of definition.nodes) if (node.when) deps.get(node.id)?.add(node.when.node);
  return deps;
}

/**
 * Validates a definition against the parts catalog. Reports every problem, each located on its node, port,
 * edge or parameter: structure, unknown parts and ports, port type mismatches, missing or doubled inputs,
 * parameters against each part's JSON Schema, branch conditions, and cycles (naming the nodes on the cycle).
 */
export function validateDefinition(definition: PipelineDefinition, catalog: PartCatalog): ValidationResult {
  const issues: ValidationIssue[] = [];
  if (!definition.nodes.length) {
    issues.push({ code: 'EMPTY_PIPELINE', message: 'the pipeline has no nodes' });
    return { valid: false, issues };
  }

  const nodes = new Map<string, NodeDef>();
  const parts = new Map<string, PartSpec>();
  for (const node of definition.nodes) {
    if (node.id === SOURCE_NODE || !NODE_ID.test(node.id)) {
      issues.push({
        code: 'INVALID_NODE_ID',
        nodeId: node.id,
        message: `node id "${node.id}" must start with a letter, use letters, digits, _ or -, and not be "${SOURCE_NODE}"`,
      });
    }
    if (nodes.has(node.id)) {
      issues.push({ code: 'DUPLICATE_NODE', nodeId: node.id, message: `node id "${node.id}" is used twice` });
      continue;
    }
    nodes.set(node.id, node);
    const part = catalog.get(partKey(node.part.id, node.part.version));
    if (!part) {
      issues.push({
        code: 'UNKNOWN_PART',
        nodeId: node.id,
        message: `node "${node.id}": unknown part ${node.part.id}@${node.part.version}`,
      });
      continue;
    }
    parts.set(node.id, part);
    issues.push(...validateParameters(node, part));
    const retry = node.retry;
    if (
      (retry?.maxAttempts !== undefined &&
        (!Number.isInteger(retry.maxAttempts) || retry.maxAttempts < 1 || retry.maxAttempts > 20)) ||
      (node.timeoutMs !== undefined &&
        (!Number.isInteger(node.timeoutMs) || node.timeoutMs < 100 || node.timeoutMs > 600_000))
    ) {
      issues.push({
        code: 'INVALID_POLICY',
        nodeId: node.id,
        message: `node "${node.id}": retry.maxAttempts must be 1–20 and timeoutMs 100–600000`,
      });
    }
  }

  const outputKind = (ref: { node: string; port: string }): PortKind | undefined | null => {
    if (ref.node === SOURCE_NODE) return ref.port === SOURCE_PORT ? 'IMAGE' : undefined;
    if (!nodes.has(ref.node)) return null;
    const part = parts.get(ref.node);
    if (!part) return 'IMAGE' as PortKind; // unknown part already reported; do not cascade
    return part.outputs.find((p) => p.name === ref.port)?.kind;
  };

  const fed = new Map<string, number>();
  definition.edges.forEach((edge, index) => {
    const fromKind = outputKind(edge.from);
    if (fromKind === null) {
      issues.push({
        code: 'UNKNOWN_NODE',
        edge: index,
        nodeId: edge.from.node,
        message: `edge ${index}: no node "${edge.from.node}"`,
      });
      return;
    }
    if (fromKind === undefined) {
      issues.push({
        code: 'UNKNOWN_PORT',
        edge: index,
        nodeId: edge.from.node,
        port: edge.from.port,
        message: `edge ${index}: node "${edge.from.node}" has no output port "${edge.from.port}"`,
      });
      return;
    }
    const target = nodes.get(edge.to.node);
    if (!target) {
      issues.push({
        code: 'UNKNOWN_NODE',
        edge: index,
        nodeId: edge.to.node,
        message: `edge ${index}: no node "${edge.to.node}"`,
      });
      return;
    }
    const part = parts.get(edge.to.node);
    if (!part) return;
    const input = part.inputs.find((p) => p.name === edge.to.port);
    if (!input) {
      issues.push({
        code: 'UNKNOWN_PORT',
        edge: index,
        nodeId: edge.to.node,
        port: edge.to.port,
        message: `edge ${index}: node "${edge.to.node}" (${part.id}) has no input port "${edge.to.port}"`,
      });
      return;
    }
    if (input.kind !== fromKind) {
      issues.push({
        code: 'TYPE_MISMATCH',
        edge: index,
        nodeId: edge.to.node,
        port: edge.to.port,
        message: `edge ${index}: ${edge.from.node}.${edge.from.port} gives ${fromKind} but ${edge.to.node}.${edge.to.port} takes ${input.kind}`,
      });
      return;
    }
    const key = `${edge.to.node}.${edge.to.port}`;
    if (fed.has(key)) {
      issues.push({
        code: 'DUPLICATE_INPUT',
        edge: index,
        nodeId: edge.to.node,
        port: edge.to.port,
        message: `input ${key} is connected twice (edges ${fed.get(key)} and ${index})`,
      });
    }
    fed.set(key, index);
  });

  for (const [id, part] of parts) {
    for (const input of part.inputs) {
      if ((input.required ?? true) && !fed.has(`${id}.${input.name}`)) {
        issues.push({
          code: 'MISSING_INPUT',
          nodeId: id,
          port: input.name,
          message: `node "${id}": required input "${input.name}" (${input.kind}) is not connected`,
        });
      }
    }
  }

  for (const node of nodes.values()) {
    if (!node.when) continue;
    const kind = outputKind(node.when);
    if (node.when.node === SOURCE_NODE || kind !== 'JUDGEMENT' || !['OK', 'NG'].includes(node.when.verdict)) {
      issues.push({
        code: 'INVALID_CONDITION',
        nodeId: node.id,
        message: `node "${node.id}": a branch condition must read a JUDGEMENT output and expect OK or NG (got ${node.when.node}.${node.when.port} = ${String(node.when.verdict)})`,
      });
    }
  }

  const cycle = findCycle([...nodes.keys()], dependencies(definition));
  if (cycle) {
    issues.push({
      code: 'CYCLE',
      cycle,
      nodeId: cycle[0],
      message: `cycle: ${cycle.join(' → ')}`,
    });
  }

  return { valid: issues.length === 0, issues };
}
