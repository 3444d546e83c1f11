import type { EventOf, EventType } from '@imageflow/contracts';

/** One parameterised SQL statement; projections return these instead of touching a database. */
export interface SqlStatement {
  text: string;
  values: unknown[];
}

/** A decoded event, as `EventSerde.decode` returns it (without the schema id). */
export type ProjectableEvent = { [T in EventType]: { type: T; event: EventOf<T> } }[EventType];

/** A pure projection: one event in, the statements that fold it into the read models out. */
export type Projection = (input: ProjectableEvent) => SqlStatement[];

export const sql = (text: string, values: unknown[] = []): SqlStatement => ({ text, values });

/** Avro `timestamp-millis` arrives as epoch milliseconds (or a Date when a reader enables logical types). */
export function toIso(value: number | Date): string {
  return (value instanceof Date ? value : new Date(value)).toISOString();
}
