import avro from 'avsc';
import { fullEventName, type EventOf, type EventType } from './events';
import { EVENT_SCHEMAS } from './generated/avro-events';

const types = new Map<EventType, avro.Type>();

/** The avsc type of one event, parsed once from its generated schema. */
export function avroTypeOf(type: EventType): avro.Type {
  let parsed = types.get(type);
  if (!parsed) {
    parsed = avro.Type.forSchema(EVENT_SCHEMAS[fullEventName(type)] as unknown as avro.Schema);
    types.set(type, parsed);
  }
  return parsed;
}

/** Paths of the fields that do not match the schema, e.g. `capture.cameraId`; empty when valid. */
export function invalidPaths(type: EventType, value: unknown): string[] {
  const paths: string[] = [];
  avroTypeOf(type).isValid(value, { errorHook: (path) => paths.push(path.join('.')) });
  return paths;
}

export class EventValidationError extends Error {
  constructor(
    readonly eventType: EventType,
    readonly paths: string[],
  ) {
    super(`invalid ${eventType}: ${paths.map((p) => p || '(root)').join(', ')}`);
    this.name = 'EventValidationError';
  }
}

/** Avro binary body of an event (without the registry framing); throws EventValidationError naming bad fields. */
export function encodeEventBody<T extends EventType>(type: T, value: EventOf<T>): Buffer {
  const paths = invalidPaths(type, value);
  if (paths.length) throw new EventValidationError(type, paths);
  return avroTypeOf(type).toBuffer(value);
}

export function decodeEventBody<T extends EventType>(type: T, body: Buffer): EventOf<T> {
  return avroTypeOf(type).fromBuffer(body) as EventOf<T>;
}
