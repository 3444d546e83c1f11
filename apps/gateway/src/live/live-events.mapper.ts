// Pure: turns run-log events into the live messages of @imageflow/contracts (live.ts). It remembers when each step
// was requested or started, so a `done` / `failed` message carries the step's duration; that memory is bounded
// (oldest runs forgotten first) because a gateway may watch a busy log for weeks.
import type {
  EventOf,
  LiveClientMessage,
  LiveRunFinished,
  LiveServerMessage,
  LiveStep,
  LiveStepState,
} from '@imageflow/contracts';
import { z } from '@imageflow/config';

/** The events of the log the live view shows; everything else on the topic (replays, …) is ignored. */
export type LiveSourceEvent =
  | { type: 'RunStarted'; event: EventOf<'RunStarted'> }
  | { type: 'StepRequested'; event: EventOf<'StepRequested'> }
  | { type: 'StepStarted'; event: EventOf<'StepStarted'> }
  | { type: 'StepCompleted'; event: EventOf<'StepCompleted'> }
  | { type: 'StepFailed'; event: EventOf<'StepFailed'> }
  | { type: 'RunCompleted'; event: EventOf<'RunCompleted'> }
  | { type: 'RunFailed'; event: EventOf<'RunFailed'> };

const LIVE_TYPES: ReadonlySet<string> = new Set([
  'RunStarted',
  'StepRequested',
  'StepStarted',
  'StepCompleted',
  'StepFailed',
  'RunCompleted',
  'RunFailed',
]);

export const isLiveSourceEvent = (decoded: { type: string }): decoded is LiveSourceEvent =>
  LIVE_TYPES.has(decoded.type);

interface StepClock {
  requestedAt?: number;
  startedAt?: number;
}

interface RunMemory {
  steps: Map<string, StepClock>;
}

const iso = (ms: number): string => new Date(ms).toISOString();
const stepKey = (nodeId: string, attempt: number): string => `${nodeId}\u0000${attempt}`;

export class LiveEventsMapper {
  // Map keeps insertion order: the first entry is the run seen least recently started.
  private readonly runs = new Map<string, RunMemory>();

  constructor(private readonly maxRuns = 10_000) {}

  get trackedRuns(): number {
    return this.runs.size;
  }

  /** The messages one log event becomes (none for an event without a run id). */
  map(source: LiveSourceEvent): LiveServerMessage[] {
    const { envelope } = source.event;
    const runId = envelope.runId;
    if (!runId) return [];
    const pipelineId = envelope.pipelineId ?? '';
    const at = envelope.occurredAt;
    const step = (
      nodeId: string,
      state: LiveStepState,
      attempt: number,
      durationMs: number | null = null,
      error: LiveStep['error'] = null,
    ): LiveStep => ({
      type: 'step',
      runId,
      pipelineId,
      nodeId,
      state,
      attempt,
      at: iso(at),
      durationMs,
      error,
    });

    switch (source.type) {
      case 'RunStarted': {
        this.memory(runId);
        return [
          {
            type: 'run.started',
            runId,
            pipelineId,
            pipelineVersion: envelope.pipelineVersion ?? '',
            imageId: envelope.imageId ?? source.event.image.sha256 ?? '',
            trigger: source.event.trigger,
            at: iso(at),
          },
        ];
      }
      case 'StepRequested': {
        const { nodeId, attempt } = source.event;
        this.clock(runId, nodeId, attempt).requestedAt = at;
        return [step(nodeId, 'requested', attempt)];
      }
      case 'StepStarted': {
        const { nodeId, attempt } = source.event;
        this.clock(runId, nodeId, attempt).startedAt = at;
        return [step(nodeId, 'running', attempt)];
      }
      case 'StepCompleted': {
        const { nodeId, attempt, timings } = source.event;
        return [step(nodeId, 'done', attempt, this.durationOf(runId, nodeId, attempt, at, timings))];
      }
      case 'StepFailed': {
        const { nodeId, attempt, timings, code, message } = source.event;
        return [
          step(nodeId, 'failed', attempt, this.durationOf(runId, nodeId, attempt, at, timings), {
            code,
            message,
          }),
        ];
      }
      case 'RunCompleted': {
        this.runs.delete(runId);
        const skipped = source.event.skippedNodeIds.map((nodeId) => step(nodeId, 'skipped', 1));
        const finished: LiveRunFinished = {
          type: 'run.finished',
          runId,
          pipelineId,
          status: 'COMPLETED',
          verdict: source.event.verdict,
          at: iso(at),
          durationMs: source.event.durationMs,
          error: null,
        };
        return [...skipped, finished];
      }
      case 'RunFailed': {
        this.runs.delete(runId);
        return [
          {
            type: 'run.finished',
            runId,
            pipelineId,
            status: 'FAILED',
            verdict: null,
            at: iso(at),
            durationMs: source.event.durationMs,
            error: { code: source.event.code, message: source.event.message },
          },
        ];
      }
    }
  }

  /** From the request (or the start, when the request was not seen), else the worker's own measure. */
  private durationOf(
    runId: string,
    nodeId: string,
    attempt: number,
    at: number,
    timings: { totalMs: number } | null,
  ): number | null {
    const clock = this.runs.get(runId)?.steps.get(stepKey(nodeId, attempt));
    const from = clock?.requestedAt ?? clock?.startedAt;
    if (from !== undefined && at >= from) return at - from;
    return timings ? timings.totalMs : null;
  }

  private memory(runId: string): RunMemory {
    let memory = this.runs.get(runId);
    if (!memory) {
      memory = { steps: new Map() };
      this.runs.set(runId, memory);
      while (this.runs.size > this.maxRuns) {
        const oldest = this.runs.keys().next().value;
        if (oldest === undefined) break;
        this.runs.delete(oldest);
      }
    }
    return memory;
  }

  private clock(runId: string, nodeId: string, attempt: number): StepClock {
    const steps = this.memory(runId).steps;
    const key = stepKey(nodeId, attempt);
    let clock = steps.get(key);
    if (!clock) {
      clock = {};
      steps.set(key, clock);
    }
    return clock;
  }
}

const id = z.string().trim().min(1).max(200);

/** What a client may send; anything else is answered with an ack carrying ok=false. */
export const liveClientMessageSchema = z.union([
  z.object({ type: z.enum(['subscribe', 'unsubscribe']), runId: id }).strict(),
  z.object({ type: z.enum(['subscribe', 'unsubscribe']), pipelineId: id }).strict(),
]);

export type ParsedClientMessage =
  { ok: true; message: LiveClientMessage } | { ok: false; error: string; request: unknown };

export function parseClientMessage(text: string): ParsedClientMessage {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, error: 'not JSON: send {"type":"subscribe","runId":"…"}', request: text };
  }
  const result = liveClientMessageSchema.safeParse(json);
  if (!result.success)
    return {
      ok: false,
      error:
        'expected {"type":"subscribe"|"unsubscribe","runId":"…"} or {"type":"subscribe"|"unsubscribe","pipelineId":"…"}',
      request: json,
    };
  return { ok: true, message: result.data as LiveClientMessage };
}
