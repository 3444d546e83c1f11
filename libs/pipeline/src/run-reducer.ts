// The run as an event-sourced state machine: evolve(state, event) → { state, commands }.
// Pure and deterministic: time comes from the events, never from a clock, so folding the same log gives the
// same state after a restart. The orchestrator performs the commands; their results come back as events.
import {
  backoffMs,
  retryPolicyOf,
  SOURCE_NODE,
  timeoutOf,
  type NodeDef,
  type PipelineDefinition,
  type PortKind,
} from './definition';
import { dependencies } from './validate';

/** A typed value on a port; the reducer reads port, kind and judgement and passes the rest through. */
export interface PortValue {
  port: string;
  kind: PortKind;
  judgement?: { verdict: 'OK' | 'NG' } | null;
}

/** What a run executes: the definition plus, per node, the part and the stage kind resolved at start. */
export interface RunPlan {
  definition: PipelineDefinition;
  stageKinds: Record<string, string>;
}

export type RunEvent<V extends PortValue = PortValue> =
  | { type: 'RunStarted'; eventId: string; at: number; runId: string; plan: RunPlan; source: V }
  | { type: 'StepRequested'; eventId: string; at: number; nodeId: string; attempt: number }
  | { type: 'StepStarted'; eventId: string; at: number; nodeId: string; attempt: number }
  | { type: 'StepCompleted'; eventId: string; at: number; nodeId: string; attempt: number; outputs: V[] }
  | {
      type: 'StepFailed';
      eventId: string;
      at: number;
      nodeId: string;
      attempt: number;
      code: string;
      message: string;
      retryable: boolean;
    }
  | { type: 'RunCompleted'; eventId: string; at: number }
  | { type: 'RunFailed'; eventId: string; at: number };

export interface StepInputValue<V extends PortValue = PortValue> {
  port: string;
  fromNodeId: string | null;
  value: V;
}

export type RunCommand<V extends PortValue = PortValue> =
  | {
      type: 'RequestStep';
      nodeId: string;
      partId: string;
      partVersion: string;
      stageKind: string;
      attempt: number;
      parameters: Record<string, unknown>;
      inputs: StepInputValue<V>[];
      timeoutMs: number;
      /** Do not send before this time (retry backoff); equal to the causing event's time otherwise. */
      notBefore: number;
    }
  | { type: 'CompleteRun'; verdict: 'OK' | 'NG' | null; skipped: string[]; durationMs: number }
  | { type: 'FailRun'; nodeId: string | null; code: string; message: string; durationMs: number };

export type NodeStatus =
  'waiting' | 'ready' | 'requested' | 'running' | 'retry_wait' | 'completed' | 'failed' | 'skipped';

export interface NodeState<V extends PortValue = PortValue> {
  status: NodeStatus;
  attempt: number;
  /** When the current attempt may be sent (ready / retry_wait). */
  notBefore?: number;
  requestedAt?: number;
  startedAt?: number;
  finishedAt?: number;
  outputs?: V[];
  error?: { code: string; message: string };
  skipReason?: string;
}

export type RunStatus = 'running' | 'completing' | 'failing' | 'completed' | 'failed';

export interface RunState<V extends PortValue = PortValue> {
  runId: string;
  status: RunStatus;
  plan: RunPlan;
  source: V;
  startedAt: number;
  finishedAt?: number;
  nodes: Record<string, NodeState<V>>;
  verdict?: 'OK' | 'NG' | null;
  failure?: { nodeId: string | null; code: string; message: string };
  /** Event ids already applied: a redelivered event changes nothing. */
  applied: string[];
}

export interface Evolution<V extends PortValue = PortValue> {
  state: RunState<V> | undefined;
  commands: RunCommand<V>[];
}

const TERMINAL_NODE: ReadonlySet<NodeStatus> = new Set(['completed', 'failed', 'skipped']);
const isTerminalRun = (s: RunStatus) => s === 'completed' || s === 'failed';

const nodeDef = (state: RunState, id: string): NodeDef => {
  const node = state.plan.definition.nodes.find((n) => n.id === id);
  if (!node) throw new Error(`run ${state.runId}: no node "${id}"`);
  return node;
};

/** Resolves inputs for a node whose dependencies are all terminal: ready, skipped, or a missing output. */
function resolveNode<V extends PortValue>(
  state: RunState<V>,
  node: NodeDef,
):
  | { kind: 'ready'; inputs: StepInputValue<V>[] }
  | { kind: 'skip'; reason: string }
  | { kind: 'broken'; reason: string } {
  if (node.when) {
    const judged = state.nodes[node.when.node];
    if (!judged || judged.status !== 'completed')
      return { kind: 'skip', reason: `condition node "${node.when.node}" did not run` };
    const judgement = judged.outputs?.find((o) => o.port === node.when?.port)?.judgement;
    if (!judgement) return { kind: 'skip', reason: `no judgement on ${node.when.node}.${node.when.port}` };
    if (judgement.verdict !== node.when.verdict) {
      return { kind: 'skip', reason: `branch for ${node.when.verdict}, verdict was ${judgement.verdict}` };
    }
  }
  const inputs: StepInputValue<V>[] = [];
  for (const edge of state.plan.definition.edges.filter((e) => e.to.node === node.id)) {
    if (edge.from.node === SOURCE_NODE) {
      inputs.push({ port: edge.to.port, fromNodeId: null, value: { ...state.source, port: edge.to.port } });
      continue;
    }
    const from = state.nodes[edge.from.node];
    if (from?.status !== 'completed')
      return { kind: 'skip', reason: `input "${edge.to.port}" comes from skipped node "${edge.from.node}"` };
    const value = from.outputs?.find((o) => o.port === edge.from.port);
    if (!value) {
      return {
        kind: 'broken',
        reason: `node "${edge.from.node}" completed without output "${edge.from.port}"`,
      };
    }
    inputs.push({ port: edge.to.port, fromNodeId: edge.from.node, value });
  }
  return { kind: 'ready', inputs };
}

function requestCommand<V extends PortValue>(
  state: RunState<V>,
  node: NodeDef,
  attempt: number,
  inputs: StepInputValue<V>[],
  notBefore: number,
): RunCommand<V> {
  return {
    type: 'RequestStep',
    nodeId: node.id,
    partId: node.part.id,
    partVersion: node.part.version,
    stageKind: state.plan.stageKinds[node.id] ?? 'image',
    attempt,
    parameters: node.parameters,
    inputs,
    timeoutMs: timeoutOf(node),
    notBefore,
  };
}

function runVerdict<V extends PortValue>(state: RunState<V>): 'OK' | 'NG' | null {
  let verdict: 'OK' | 'NG' | null = null;
  for (const id of Object.keys(state.nodes).sort()) {
    const node = state.nodes[id];
    if (node?.status !== 'completed') continue;
    for (const output of node.outputs ?? []) {
      if (output.kind !== 'JUDGEMENT' || !output.judgement) continue;
      if (output.judgement.verdict === 'NG') return 'NG';
      verdict = 'OK';
    }
  }
  return verdict;
}

/** Moves waiting nodes forward until nothing changes (skips propagate), then checks for run completion. */
function advance<V extends PortValue>(state: RunState<V>, at: number, commands: RunCommand<V>[]): void {
  const deps = dependencies(state.plan.definition);
  let changed = true;
  while (changed && state.status === 'running') {
    changed = false;
    for (const node of state.plan.definition.nodes) {
      const current = state.nodes[node.id];
      if (current?.status !== 'waiting') continue;
      const waitingOn = [...(deps.get(node.id) ?? [])].filter(
        (d) => !TERMINAL_NODE.has(state.nodes[d]?.status ?? 'waiting'),
      );
      if (waitingOn.length) continue;
      const resolved = resolveNode(state, node);
      changed = true;
      if (resolved.kind === 'skip') {
        state.nodes[node.id] = { ...current, status: 'skipped', finishedAt: at, skipReason: resolved.reason };
      } else if (resolved.kind === 'broken') {
        state.nodes[node.id] = {
          ...current,
          status: 'failed',
          finishedAt: at,
          error: { code: 'MISSING_OUTPUT', message: resolved.reason },
        };
        fail(state, at, node.id, 'MISSING_OUTPUT', resolved.reason, commands);
      } else {
        state.nodes[node.id] = { ...current, status: 'ready', attempt: 1, notBefore: at };
        commands.push(requestCommand(state, node, 1, resolved.inputs, at));
      }
    }
  }
  if (state.status !== 'running') return;
  const all = Object.values(state.nodes);
  if (all.every((n) => n.status === 'completed' || n.status === 'skipped')) {
    state.status = 'completing';
    state.verdict = runVerdict(state);
    commands.push({
      type: 'CompleteRun',
      verdict: state.verdict,
      skipped: Object.keys(state.nodes)
        .filter((id) => state.nodes[id]?.status === 'skipped')
        .sort(),
      durationMs: at - state.startedAt,
    });
  }
}

function fail<V extends PortValue>(
  state: RunState<V>,
  at: number,
  nodeId: string | null,
  code: string,
  message: string,
  commands: RunCommand<V>[],
): void {
  if (state.status !== 'running') return;
  state.status = 'failing';
  state.failure = { nodeId, code, message };
  commands.push({ type: 'FailRun', nodeId, code, message, durationMs: at - state.startedAt });
}

const clone = <V extends PortValue>(state: RunState<V>): RunState<V> => ({
  ...state,
  nodes: Object.fromEntries(Object.entries(state.nodes).map(([k, v]) => [k, { ...v }])),
  applied: [...state.applied],
});

/**
 * Applies one event. Returns the new state (the input is not modified) and the commands that became due.
 * Unknown, duplicate or stale events return the state unchanged and no commands.
 */
export function evolve<V extends PortValue>(
  previous: RunState<V> | undefined,
  event: RunEvent<V>,
): Evolution<V> {
  const commands: RunCommand<V>[] = [];
  if (event.type === 'RunStarted') {
    if (previous) return { state: previous, commands };
    const state: RunState<V> = {
      runId: event.runId,
      status: 'running',
      plan: event.plan,
      source: event.source,
      startedAt: event.at,
      nodes: Object.fromEntries(
        event.plan.definition.nodes.map((n) => [n.id, { status: 'waiting' as const, attempt: 0 }]),
      ),
      applied: [event.eventId],
    };
    advance(state, event.at, commands);
    return { state, commands };
  }
  if (!previous || previous.applied.includes(event.eventId)) return { state: previous, commands };
  const state = clone(previous);
  state.applied.push(event.eventId);

  switch (event.type) {
    case 'RunCompleted':
      if (!isTerminalRun(state.status)) {
        state.status = 'completed';
        state.finishedAt = event.at;
      }
      break;
    case 'RunFailed':
      if (!isTerminalRun(state.status)) {
        state.status = 'failed';
        state.finishedAt = event.at;
      }
      break;
    case 'StepRequested': {
      const node = state.nodes[event.nodeId];
      if (!node || TERMINAL_NODE.has(node.status) || event.attempt < node.attempt) break;
      if (node.status === 'ready' || node.status === 'retry_wait' || event.attempt > node.attempt) {
        state.nodes[event.nodeId] = {
          ...node,
          status: 'requested',
          attempt: event.attempt,
          requestedAt: event.at,
        };
        delete state.nodes[event.nodeId]!.notBefore;
      }
      break;
    }
    case 'StepStarted': {
      const node = state.nodes[event.nodeId];
      if (!node || event.attempt !== node.attempt || (node.status !== 'requested' && node.status !== 'ready'))
        break;
      state.nodes[event.nodeId] = { ...node, status: 'running', startedAt: event.at };
      break;
    }
    case 'StepCompleted': {
      const node = state.nodes[event.nodeId];
      // Any attempt's result is as good as another's (steps are deterministic); the first one wins.
      if (!node || TERMINAL_NODE.has(node.status) || node.status === 'waiting') break;
      state.nodes[event.nodeId] = {
        ...node,
        status: 'completed',
        attempt: Math.max(node.attempt, event.attempt),
        finishedAt: event.at,
        outputs: event.outputs,
      };
      delete state.nodes[event.nodeId]!.notBefore;
      advance(state, event.at, commands);
      break;
    }
    case 'StepFailed': {
      const node = state.nodes[event.nodeId];
      if (
        !node ||
        TERMINAL_NODE.has(node.status) ||
        node.status === 'waiting' ||
        event.attempt !== node.attempt
      )
        break;
      if (node.status === 'retry_wait') break;
      const def = nodeDef(state, event.nodeId);
      const policy = retryPolicyOf(def);
      const error = { code: event.code, message: event.message };
      if (event.retryable && event.attempt < policy.maxAttempts && state.status === 'running') {
        const attempt = event.attempt + 1;
        const notBefore = event.at + backoffMs(policy, attempt);
        state.nodes[event.nodeId] = { ...node, status: 'retry_wait', attempt, notBefore, error };
        const resolved = resolveNode(state, def);
        if (resolved.kind === 'ready')
          commands.push(requestCommand(state, def, attempt, resolved.inputs, notBefore));
      } else {
        state.nodes[event.nodeId] = { ...node, status: 'failed', finishedAt: event.at, error };
        const tries = event.attempt > 1 ? ` after ${event.attempt} attempts` : '';
        fail(
          state,
          event.at,
          event.nodeId,
          event.code,
          `node "${event.nodeId}" failed${tries}: ${event.message}`,
          commands,
        );
      }
      break;
    }
  }
  return { state, commands };
}

/** Folds a log; the commands of the fold are those still due now (none already answered by a later event). */
export function fold<V extends PortValue>(events: Iterable<RunEvent<V>>): RunState<V> | undefined {
  let state: RunState<V> | undefined;
  for (const event of events) state = evolve(state, event).state;
  return state;
}

/**
 * The commands a rebuilt state still owes: steps decided but not yet requested, retries waiting, and a run
 * decided but not yet closed. Called by the orchestrator after it rebuilds a run from the log.
 */
export function pendingCommands<V extends PortValue>(state: RunState<V>): RunCommand<V>[] {
  const commands: RunCommand<V>[] = [];
  const at = state.finishedAt ?? state.startedAt;
  if (state.status === 'running') {
    for (const node of state.plan.definition.nodes) {
      const current = state.nodes[node.id];
      if (current?.status !== 'ready' && current?.status !== 'retry_wait') continue;
      const resolved = resolveNode(state, node);
      if (resolved.kind === 'ready') {
        commands.push(requestCommand(state, node, current.attempt, resolved.inputs, current.notBefore ?? at));
      }
    }
  } else if (state.status === 'completing') {
    const last = Math.max(state.startedAt, ...Object.values(state.nodes).map((n) => n.finishedAt ?? 0));
    commands.push({
      type: 'CompleteRun',
      verdict: state.verdict ?? null,
      skipped: Object.keys(state.nodes)
        .filter((id) => state.nodes[id]?.status === 'skipped')
        .sort(),
      durationMs: last - state.startedAt,
    });
  } else if (state.status === 'failing' && state.failure) {
    const last = Math.max(state.startedAt, ...Object.values(state.nodes).map((n) => n.finishedAt ?? 0));
    commands.push({ type: 'FailRun', ...state.failure, durationMs: last - state.startedAt });
  }
  return commands;
}

/** When each requested or running step times out, for the orchestrator's timers. */
export function stepDeadlines(state: RunState): { nodeId: string; attempt: number; deadline: number }[] {
  if (state.status !== 'running') return [];
  return state.plan.definition.nodes.flatMap((node) => {
    const current = state.nodes[node.id];
    if (
      (current?.status !== 'requested' && current?.status !== 'running') ||
      current.requestedAt === undefined
    )
      return [];
    return [{ nodeId: node.id, attempt: current.attempt, deadline: current.requestedAt + timeoutOf(node) }];
  });
}
