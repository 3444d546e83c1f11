import { describe, expect, it } from 'vitest';
import {
  decodeEventBody,
  encodeEventBody,
  EVENT_NAMES,
  EVENT_SCHEMAS,
  EventValidationError,
  invalidPaths,
  isEventType,
  stageTopic,
  avroTypeOf,
  type EventOf,
  type EventType,
} from './index';

const envelope = (type: EventType) => ({
  eventId: '01936f1e-7c2a-7000-8000-000000000001',
  type,
  occurredAt: 1_764_331_200_123,
  runId: 'run-1',
  imageId: 'a'.repeat(64),
  pipelineId: null,
  pipelineVersion: null,
  causationId: null,
  correlationId: 'corr-1',
});

const captured: EventOf<'ImageCaptured'> = {
  envelope: envelope('ImageCaptured'),
  image: {
    bucket: 'raw-images',
    key: `sha256/aa/${'a'.repeat(64)}.jpg`,
    etag: '"abc"',
    size: 123_456,
    contentType: 'image/jpeg',
    sha256: 'a'.repeat(64),
    width: 1920,
    height: 1080,
  },
  capture: {
    cameraId: 'line-1-cam-1',
    lineId: 'line-1',
    lot: 'LOT-2026-11-28',
    serial: 'SN-000123',
    capturedAt: 1_764_331_200_000,
    source: 'CAMERA',
  },
  idempotencyKey: null,
};

describe('event contracts', () => {
  it('has one self-contained, parseable schema per event with the envelope first', () => {
    expect(EVENT_NAMES.length).toBeGreaterThanOrEqual(12);
    for (const name of EVENT_NAMES) {
      const short = name.slice(name.lastIndexOf('.') + 1);
      expect(isEventType(short)).toBe(true);
      const type = avroTypeOf(short as EventType);
      expect(type.name).toBe(name);
      expect(EVENT_SCHEMAS[name].fields[0].name).toBe('envelope');
    }
  });

  it('round-trips an ImageCaptured through Avro binary unchanged', () => {
    const body = encodeEventBody('ImageCaptured', captured);
    expect(decodeEventBody('ImageCaptured', body)).toEqual(captured);
  });

  it('round-trips a StepCompleted with typed outputs', () => {
    const completed: EventOf<'StepCompleted'> = {
      envelope: envelope('StepCompleted'),
      nodeId: 'detect',
      partId: 'ai.detect',
      attempt: 1,
      outputs: [
        {
          port: 'detections',
          kind: 'DETECTIONS',
          object: null,
          detections: [
            { label: 'cat', score: 0.91, x: 10, y: 20, width: 100, height: 80, text: null, classId: 15 },
          ],
          text: null,
          measurements: null,
          judgement: null,
        },
        {
          port: 'verdict',
          kind: 'JUDGEMENT',
          object: null,
          detections: null,
          text: null,
          measurements: null,
          judgement: { verdict: 'NG', reasons: ['serial does not match'] },
        },
      ],
      timings: { queuedMs: 1, fetchMs: 2, computeMs: 30, storeMs: 4, totalMs: 37 },
      workerId: 'stage-ai-1',
      modelId: 'ssd-mobilenet',
      modelVersion: '1',
    };
    expect(decodeEventBody('StepCompleted', encodeEventBody('StepCompleted', completed))).toEqual(completed);
  });

  it('names the offending fields of an invalid event', () => {
    const bad = {
      ...captured,
      capture: { ...captured.capture, cameraId: 42 },
    } as unknown as EventOf<'ImageCaptured'>;
    expect(invalidPaths('ImageCaptured', bad)).toEqual(['capture.cameraId']);
    expect(() => encodeEventBody('ImageCaptured', bad)).toThrow(EventValidationError);
    expect(() => encodeEventBody('ImageCaptured', bad)).toThrow(/capture\.cameraId/);
  });

  it('refuses stage kinds that would make an unsafe topic name', () => {
    expect(stageTopic('image')).toBe('imageflow.stage.image.v1');
    expect(() => stageTopic('Image/../x')).toThrow(/invalid stage kind/);
  });
});
