import { EVENT_NAMES, type EventsByName, type EventTypeName } from './generated/avro-events';

/** Short event type, as written in `envelope.type`: `ImageCaptured`, `StepCompleted`, … */
export type EventType = EventTypeName extends `imageflow.events.v1.${infer Short}` ? Short : never;

export type EventOf<T extends EventType> = EventsByName[`imageflow.events.v1.${T}`];

/** Any event, discriminated by `type`. */
export type AnyEvent = { [T in EventType]: { type: T; value: EventOf<T> } }[EventType];

export const EVENT_NAMESPACE = 'imageflow.events.v1';

export const fullEventName = (type: EventType): EventTypeName =>
  `${EVENT_NAMESPACE}.${type}` as EventTypeName;

export function isEventType(value: string): value is EventType {
  return (EVENT_NAMES as string[]).includes(`${EVENT_NAMESPACE}.${value}`);
}

/**
 * Subject of an event's schema in the registry (record-name strategy: several event types on one topic).
 * See https://docs.confluent.io/platform/current/schema-registry/fundamentals/serdes-develop/index.html
 */
export const subjectFor = (type: EventType): string => fullEventName(type);
