import { EVENT_NAMES, invalidPaths, type EventType } from '@imageflow/contracts';
import { logLevel } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { UndecodableMessageError } from './errors';
import { EventSerde, frame, unframe } from './event-serde';
import { kafkaLogLevelFor } from './kafka.adapter';
import { buildEvent } from './testing';

const types = EVENT_NAMES.map((name) => name.slice(name.lastIndexOf('.') + 1) as EventType);

describe('wire format', () => {
  it('frames as magic byte 0, big-endian schema id, body', () => {
    const framed = frame(258, Buffer.from([9, 8]));
    expect([...framed]).toEqual([0, 0, 0, 1, 2, 9, 8]);
    expect(unframe(framed)).toEqual({ schemaId: 258, body: Buffer.from([9, 8]) });
  });

  it('names why bytes are not the wire format', () => {
    const reason = (bytes: Buffer | null) => {
      try {
        unframe(bytes);
        return 'decoded';
      } catch (error) {
        return error instanceof UndecodableMessageError ? `${error.reason}: ${error.message}` : String(error);
      }
    };
    expect(reason(Buffer.from('{"json":true}'))).toMatch(
      /NOT_WIRE_FORMAT.*no magic byte: first byte is 0x7b/,
    );
    expect(reason(Buffer.from([0, 0, 1]))).toMatch(/too short/);
    expect(reason(null)).toMatch(/empty value/);
  });
});

describe('EventSerde.encode validation (no registry needed: it fails before any request)', () => {
  const serde = new EventSerde({ registryUrl: 'http://127.0.0.1:1' });

  it('names the bad fields', async () => {
    const event = buildEvent('ImageCaptured');
    const bad = { ...event, capture: { ...event.capture, cameraId: 42 } } as unknown as typeof event;
    await expect(serde.encode('ImageCaptured', bad)).rejects.toThrow(
      /invalid ImageCaptured: capture.cameraId/,
    );
  });

  it('refuses an envelope whose type is not the event type', async () => {
    const event = buildEvent('RunStarted', { envelope: { type: 'RunCompleted' } });
    await expect(serde.encode('RunStarted', event)).rejects.toThrow(/envelope.type/);
  });
});

describe('test builders', () => {
  it('build a valid event of every type, with UUIDv7 ids and overrides applied', () => {
    for (const type of types) {
      const event = buildEvent(type);
      expect(invalidPaths(type, event), type).toEqual([]);
      expect(event.envelope.type).toBe(type);
      expect(event.envelope.eventId).toMatch(
        /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
      );
    }
    const captured = buildEvent('ImageCaptured', { envelope: { runId: null }, idempotencyKey: 'k-1' });
    expect(captured.envelope.runId).toBeNull();
    expect(captured.idempotencyKey).toBe('k-1');
  });
});

describe('kafkajs log level', () => {
  it('follows the pino level', () => {
    expect(kafkaLogLevelFor('debug')).toBe(logLevel.DEBUG);
    expect(kafkaLogLevelFor('info')).toBe(logLevel.INFO);
    expect(kafkaLogLevelFor('warn')).toBe(logLevel.WARN);
    expect(kafkaLogLevelFor('fatal')).toBe(logLevel.ERROR);
    expect(kafkaLogLevelFor('silent')).toBe(logLevel.NOTHING);
  });
});
