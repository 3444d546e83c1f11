import { describe, expect, it } from 'vitest';
import { aStepStarted } from '../testing';
import { eventLogRecord, uniqueEvents, type LoggedEvent } from './projection-applier';
import { projectEvent } from './index';
import { runScenario } from '../testing';

const logged = (decoded: LoggedEvent['decoded'], offset: string): LoggedEvent => ({
  topic: 'imageflow.run-events.v1',
  partition: 0,
  offset,
  key: 'run-1',
  schemaId: 7,
  decoded,
});

describe('projection applier helpers', () => {
  it('keeps the first of duplicated event ids within a batch', () => {
    const a = aStepStarted({ envelope: { runId: 'run-1' } });
    const b = aStepStarted({ envelope: { runId: 'run-1' } });
    expect(uniqueEvents([logged(a, '1'), logged(b, '2'), logged(a, '3')]).map((e) => e.offset)).toEqual([
      '1',
      '2',
    ]);
  });

  it('maps an event to its event_log record', () => {
    const event = aStepStarted({ envelope: { runId: 'run-1', imageId: 'img', occurredAt: 0 } });
    expect(eventLogRecord(logged(event, '5'))).toEqual({
      event_id: event.event.envelope.eventId,
      type: 'StepStarted',
      topic: 'imageflow.run-events.v1',
      partition: 0,
      offset: '5',
      key: 'run-1',
      run_id: 'run-1',
      image_id: 'img',
      occurred_at: '1970-01-01T00:00:00.000Z',
      payload: event.event,
      schema_id: 7,
    });
  });

  it('projects every event of a whole run into at least one statement', () => {
    const { capture, runEvents } = runScenario({ retryDetection: true });
    for (const event of [capture, ...runEvents]) expect(projectEvent(event).length).toBeGreaterThan(0);
  });
});
