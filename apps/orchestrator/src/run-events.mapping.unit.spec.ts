import type { EventOf } from '@imageflow/contracts';
import { evolve, type RunState } from '@imageflow/pipeline';
import { fanOutFanIn } from '@imageflow/pipeline/testing';
import { describe, expect, it } from 'vitest';
import {
  InvalidRunEventError,
  metaOf,
  runIdOf,
  runStartedEvent,
  stepRequestedEvent,
  timeoutEvent,
  toRunEvent,
  type Value,
} from './run-events.mapping';
import { buildCapture, stageKindsOf } from './test-harness';

const capture = buildCapture('cam-1', 'line-1');
const plan = { definition: fanOutFanIn(), stageKinds: stageKindsOf(fanOutFanIn()) };
const started = (now = 1_000): EventOf<'RunStarted'> =>
  runStartedEvent({ capture, pipelineId: 'p', version: 'sha256:v', plan, trigger: 'CAPTURE', now });

describe('run-events mapping', () => {
  it('derives run and event ids from the capture and pipeline only', () => {
    const a = started(1_000);
    const b = started(5_000);
    expect(a.envelope.runId).toBe(runIdOf(capture.envelope.eventId, 'p'));
    expect(b.envelope.runId).toBe(a.envelope.runId);
    expect(b.envelope.eventId).toBe(a.envelope.eventId);
    expect(runIdOf(capture.envelope.eventId, 'q')).not.toBe(a.envelope.runId);
    expect(runIdOf(capture.envelope.eventId, 'p', 'replay-1')).not.toBe(a.envelope.runId);
    expect(a.envelope.runId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(a).toMatchObject({
      envelope: {
        causationId: capture.envelope.eventId,
        correlationId: capture.envelope.correlationId,
        imageId: capture.envelope.imageId,
        pipelineVersion: 'sha256:v',
      },
      image: capture.image,
      capture: capture.capture,
    });
  });

  it('turns RunStarted into the reducer event and its commands into StepRequested with stable ids', () => {
    const event = started();
    const { state, commands } = evolve<Value>(undefined, toRunEvent({ type: 'RunStarted', event }));
    expect(commands.map((c) => c.type === 'RequestStep' && c.nodeId)).toEqual(['resize']);
    const command = commands[0]!;
    if (command.type !== 'RequestStep') throw new Error('expected RequestStep');
    const meta = metaOf(event);
    const first = stepRequestedEvent(command, meta, 2_000);
    const again = stepRequestedEvent(command, meta, 9_000);
    expect(again.envelope.eventId).toBe(first.envelope.eventId);
    expect(first).toMatchObject({
      nodeId: 'resize',
      partId: 'image.resize',
      stageKind: 'image',
      attempt: 1,
      timeoutMs: 30_000,
      deadlineAt: 32_000,
      inputs: [{ port: 'image', fromNodeId: null, value: { kind: 'IMAGE', object: capture.image } }],
      envelope: { runId: event.envelope.runId, type: 'StepRequested', causationId: event.envelope.eventId },
    });
    expect(JSON.parse(first.parametersJson)).toEqual({ width: 640, fit: 'inside' });
    const next = evolve<Value>(state as RunState<Value>, toRunEvent({ type: 'StepRequested', event: first }));
    expect(next.state?.nodes['resize']?.status).toBe('requested');
    const timeout = timeoutEvent(
      meta,
      { nodeId: 'resize', partId: 'image.resize', attempt: 1, timeoutMs: 30_000 },
      40_000,
    );
    expect(timeout).toMatchObject({ code: 'TIMEOUT', retryable: true, attempt: 1 });
    expect(timeout.envelope.eventId).not.toBe(first.envelope.eventId);
  });

  it('refuses a RunStarted whose plan is not a RunPlan', () => {
    expect(() =>
      toRunEvent({ type: 'RunStarted', event: { ...started(), definitionJson: '{"nodes":[],"edges":[]}' } }),
    ).toThrow(InvalidRunEventError);
    expect(() =>
      toRunEvent({ type: 'RunStarted', event: { ...started(), definitionJson: 'not json' } }),
    ).toThrow(/does not parse/);
  });
});
