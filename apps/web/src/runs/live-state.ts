// The state of each node of one run, as the canvas draws it. Two sources feed it: the live WebSocket
// (libs/contracts live.ts) and, as a fallback and for the outputs, the run read model (GET /api/v1/runs/:id).
// Both may arrive late or out of order, so a node's state only moves forward within an attempt.
import type { LiveServerMessage } from '@imageflow/contracts';
import type { RunDetails } from '../api/types';

export type NodeRunState = 'queued' | 'running' | 'done' | 'failed' | 'skipped';

export interface NodeLive {
  state: NodeRunState;
  attempt: number;
  durationMs: number | null;
  error: { code: string; message: string } | null;
}

export type RunLiveStatus = 'running' | 'completed' | 'failed';

export interface RunLive {
  runId: string;
  status: RunLiveStatus;
  verdict: string | null;
  durationMs: number | null;
  error: { code: string; message: string } | null;
  nodes: Record<string, NodeLive>;
}

const RANK: Record<NodeRunState, number> = { queued: 0, running: 1, done: 2, failed: 2, skipped: 2 };

export function initialRunLive(runId: string, nodeIds: readonly string[]): RunLive {
  return {
    runId,
    status: 'running',
    verdict: null,
    durationMs: null,
    error: null,
    nodes: Object.fromEntries(
      nodeIds.map((id) => [id, { state: 'queued', attempt: 1, durationMs: null, error: null }]),
    ),
  };
}

/** Keeps `next` unless it would move the node backwards within the same attempt. */
function mergeNode(current: NodeLive | undefined, next: NodeLive): NodeLive {
  if (!current) return next;
  if (next.attempt > current.attempt) return next;
  if (next.attempt < current.attempt) return current;
  if (RANK[next.state] < RANK[current.state]) return current;
  // Same rank (e.g. done twice): keep a known duration.
  return { ...next, durationMs: next.durationMs ?? current.durationMs, error: next.error ?? current.error };
}

function withNode(state: RunLive, nodeId: string, next: NodeLive): RunLive {
  const merged = mergeNode(state.nodes[nodeId], next);
  return merged === state.nodes[nodeId] ? state : { ...state, nodes: { ...state.nodes, [nodeId]: merged } };
}

export function applyLiveMessage(state: RunLive, message: LiveServerMessage): RunLive {
  if (message.type === 'ack' || message.runId !== state.runId) return state;
  switch (message.type) {
    case 'run.started':
      return state;
    case 'step':
      return withNode(state, message.nodeId, {
        state: message.state === 'requested' ? 'queued' : message.state,
        attempt: message.attempt,
        durationMs: message.durationMs,
        error: message.error,
      });
    case 'run.finished':
      return {
        ...state,
        status: message.status === 'COMPLETED' ? 'completed' : 'failed',
        verdict: message.verdict,
        durationMs: message.durationMs,
        error: message.error,
      };
  }
}

const STEP_STATES: Record<RunDetails['steps'][number]['status'], NodeRunState> = {
  requested: 'queued',
  running: 'running',
  completed: 'done',
  failed: 'failed',
};

const between = (from: string | null, to: string | null): number | null =>
  from && to ? Math.max(0, Date.parse(to) - Date.parse(from)) : null;

/** Folds the read model's view of the run into the state (steps, skipped nodes, the run's end). */
export function applyRunDetails(state: RunLive, details: RunDetails): RunLive {
  if (details.id !== state.runId) return state;
  let next = state;
  for (const step of details.steps) {
    next = withNode(next, step.nodeId, {
      state: STEP_STATES[step.status],
      attempt: Math.max(1, step.attempts),
      durationMs: between(step.startedAt ?? step.requestedAt, step.finishedAt),
      error: step.error ? { code: step.error.code, message: step.error.message ?? '' } : null,
    });
  }
  for (const nodeId of details.skippedNodeIds) {
    next = withNode(next, nodeId, {
      state: 'skipped',
      attempt: next.nodes[nodeId]?.attempt ?? 1,
      durationMs: null,
      error: null,
    });
  }
  if (details.status === 'completed' || details.status === 'failed') {
    next = {
      ...next,
      status: details.status,
      verdict: details.verdict,
      durationMs: details.durationMs,
      error: details.error ? { code: details.error.code, message: details.error.message ?? '' } : null,
    };
  }
  return next;
}

export const isFinished = (state: RunLive): boolean => state.status !== 'running';
