// Between the Avro events of the log and the reducer's events and commands. Pure: every id is name-based, so a
// command performed twice (a crash between publish and commit, a rebuilt state) yields the same event twice,
// which the reducer (`applied`) and the projector (`event_log` unique id) apply once.
import type { Capture, Envelope, EventOf, ObjectRef, StepOutput } from '@imageflow/contracts';
import type { RunCommand, RunEvent, RunPlan } from '@imageflow/pipeline';
import { stableEventId } from '@imageflow/messaging';

export type Value = StepOutput;
export type OrchestratedEvent = RunEvent<Value>;
export type OrchestratorCommand = RunCommand<Value>;

/** What every event of a run repeats in its envelope; taken from RunStarted. */
export interface RunMeta {
  runId: string;
  imageId: string | null;
  pipelineId: string | null;
  pipelineVersion: string | null;
  correlationId: string | null;
  runStartedId: string;
}

export const RUN_EVENT_TYPES: ReadonlySet<string> = new Set([
  'RunStarted',
  'StepRequested',
  'StepStarted',
  'StepCompleted',
  'StepFailed',
  'RunCompleted',
  'RunFailed',
]);

export class InvalidRunEventError extends Error {}

export const runIdOf = (
  captureEventId: string,
  pipelineId: string,
  replayId: string | null = null,
): string =>
  replayId
    ? stableEventId('run', captureEventId, pipelineId, 'replay', replayId)
    : stableEventId('run', captureEventId, pipelineId);

export const stepRequestedId = (runId: string, nodeId: string, attempt: number): string =>
  stableEventId('orchestrator', runId, nodeId, String(attempt), 'requested');
export const timeoutId = (runId: string, nodeId: string, attempt: number): string =>
  stableEventId('orchestrator', runId, nodeId, String(attempt), 'timeout');
const runClosedId = (runId: string): string => stableEventId('orchestrator', runId, 'closed');

export const imageValue = (image: ObjectRef): Value => ({
  port: 'image',
  kind: 'IMAGE',
  object: image,
  detections: null,
  text: null,
  measurements: null,
  judgement: null,
});

export function parsePlan(definitionJson: string): RunPlan {
  let plan: unknown;
  try {
    plan = JSON.parse(definitionJson);
  } catch (error) {
    throw new InvalidRunEventError(`definitionJson does not parse: ${String(error)}`);
  }
  const candidate = plan as Partial<RunPlan> | null;
  if (
    !candidate ||
    typeof candidate !== 'object' ||
    !candidate.definition ||
    !Array.isArray(candidate.definition.nodes) ||
    !Array.isArray(candidate.definition.edges) ||
    !candidate.stageKinds ||
    typeof candidate.stageKinds !== 'object'
  )
    throw new InvalidRunEventError(
      'definitionJson is not a RunPlan {definition: {nodes, edges}, stageKinds}',
    );
  return candidate as RunPlan;
}

export type RunLogEvent =
  | { type: 'RunStarted'; event: EventOf<'RunStarted'> }
  | { type: 'StepRequested'; event: EventOf<'StepRequested'> }
  | { type: 'StepStarted'; event: EventOf<'StepStarted'> }
  | { type: 'StepCompleted'; event: EventOf<'StepCompleted'> }
  | { type: 'StepFailed'; event: EventOf<'StepFailed'> }
  | { type: 'RunCompleted'; event: EventOf<'RunCompleted'> }
  | { type: 'RunFailed'; event: EventOf<'RunFailed'> };

/** The reducer's view of a log event. Throws InvalidRunEventError for a RunStarted whose plan is unusable. */
export function toRunEvent(log: RunLogEvent): OrchestratedEvent {
  const { eventId, occurredAt: at } = log.event.envelope;
  switch (log.type) {
    case 'RunStarted':
      return {
        type: 'RunStarted',
        eventId,
        at,
        runId: log.event.envelope.runId ?? '',
        plan: parsePlan(log.event.definitionJson),
        source: imageValue(log.event.image),
      };
    case 'StepRequested':
    case 'StepStarted':
      return { type: log.type, eventId, at, nodeId: log.event.nodeId, attempt: log.event.attempt };
    case 'StepCompleted':
      return {
        type: 'StepCompleted',
        eventId,
        at,
        nodeId: log.event.nodeId,
        attempt: log.event.attempt,
        outputs: log.event.outputs,
      };
    case 'StepFailed':
      return {
        type: 'StepFailed',
        eventId,
        at,
        nodeId: log.event.nodeId,
        attempt: log.event.attempt,
        code: log.event.code,
        message: log.event.message,
        retryable: log.event.retryable,
      };
    case 'RunCompleted':
    case 'RunFailed':
      return { type: log.type, eventId, at };
  }
}

export const metaOf = (started: EventOf<'RunStarted'>): RunMeta => ({
  runId: started.envelope.runId ?? '',
  imageId: started.envelope.imageId,
  pipelineId: started.envelope.pipelineId,
  pipelineVersion: started.envelope.pipelineVersion,
  correlationId: started.envelope.correlationId ?? started.envelope.eventId,
  runStartedId: started.envelope.eventId,
});

function envelope<T extends string>(
  type: T,
  eventId: string,
  meta: RunMeta,
  now: number,
  causationId: string | null,
): Envelope {
  return {
    eventId,
    type,
    occurredAt: now,
    runId: meta.runId,
    imageId: meta.imageId,
    pipelineId: meta.pipelineId,
    pipelineVersion: meta.pipelineVersion,
    causationId,
    correlationId: meta.correlationId,
  };
}

export function stepRequestedEvent(
  command: Extract<OrchestratorCommand, { type: 'RequestStep' }>,
  meta: RunMeta,
  now: number,
): EventOf<'StepRequested'> {
  return {
    envelope: envelope(
      'StepRequested',
      stepRequestedId(meta.runId, command.nodeId, command.attempt),
      meta,
      now,
      meta.runStartedId,
    ),
    nodeId: command.nodeId,
    partId: command.partId,
    partVersion: command.partVersion,
    stageKind: command.stageKind,
    attempt: command.attempt,
    parametersJson: JSON.stringify(command.parameters ?? {}),
    inputs: command.inputs.map((input) => ({
      port: input.port,
      fromNodeId: input.fromNodeId,
      value: input.value,
    })),
    timeoutMs: command.timeoutMs,
    deadlineAt: now + command.timeoutMs,
  };
}

export function runCompletedEvent(
  command: Extract<OrchestratorCommand, { type: 'CompleteRun' }>,
  meta: RunMeta,
  now: number,
): EventOf<'RunCompleted'> {
  return {
    envelope: envelope('RunCompleted', runClosedId(meta.runId), meta, now, meta.runStartedId),
    verdict: command.verdict,
    durationMs: command.durationMs,
    skippedNodeIds: command.skipped,
  };
}

export function runFailedEvent(
  command: Extract<OrchestratorCommand, { type: 'FailRun' }>,
  meta: RunMeta,
  now: number,
): EventOf<'RunFailed'> {
  return {
    envelope: envelope('RunFailed', runClosedId(meta.runId), meta, now, meta.runStartedId),
    failedNodeId: command.nodeId,
    code: command.code,
    message: command.message,
    durationMs: command.durationMs,
  };
}

export function timeoutEvent(
  meta: RunMeta,
  step: { nodeId: string; partId: string; attempt: number; timeoutMs: number },
  now: number,
): EventOf<'StepFailed'> {
  return {
    envelope: envelope(
      'StepFailed',
      timeoutId(meta.runId, step.nodeId, step.attempt),
      meta,
      now,
      meta.runStartedId,
    ),
    nodeId: step.nodeId,
    partId: step.partId,
    attempt: step.attempt,
    code: 'TIMEOUT',
    message: `no result within ${step.timeoutMs} ms`,
    retryable: true,
    timings: null,
    workerId: null,
  };
}

/** A RunStarted that cannot run (bad plan): closed at once so the run does not hang. */
export function unusableRunFailedEvent(
  started: EventOf<'RunStarted'>,
  reason: string,
  now: number,
): EventOf<'RunFailed'> {
  const meta = metaOf(started);
  return {
    envelope: envelope('RunFailed', runClosedId(meta.runId), meta, now, started.envelope.eventId),
    failedNodeId: null,
    code: 'INVALID_DEFINITION',
    message: reason,
    durationMs: 0,
  };
}

/** The run a capture starts: deterministic ids, so a redelivered capture starts the same run, once. */
export function runStartedEvent(args: {
  capture: EventOf<'ImageCaptured'>;
  pipelineId: string;
  version: string;
  plan: RunPlan;
  trigger: 'CAPTURE' | 'MANUAL' | 'REPLAY';
  replayId?: string | null;
  now: number;
  captureOverride?: Capture;
}): EventOf<'RunStarted'> {
  const { capture, pipelineId, version, plan, trigger, now } = args;
  const replayId = args.replayId ?? null;
  const runId = runIdOf(capture.envelope.eventId, pipelineId, replayId);
  return {
    envelope: {
      eventId: stableEventId('orchestrator', runId, 'started'),
      type: 'RunStarted',
      occurredAt: now,
      runId,
      imageId: capture.envelope.imageId,
      pipelineId,
      pipelineVersion: version,
      causationId: capture.envelope.eventId,
      correlationId: capture.envelope.correlationId ?? capture.envelope.eventId,
    },
    image: capture.image,
    capture: args.captureOverride ?? capture.capture,
    trigger,
    replayId,
    definitionJson: JSON.stringify(plan),
  };
}
