export { EventValidationError } from '@imageflow/contracts';

/** Why a message could not be turned into an event. Such a message goes to the dead-letter topic as it is. */
export type UndecodableReason =
  | 'NOT_WIRE_FORMAT'
  | 'UNKNOWN_SCHEMA_ID'
  | 'NOT_AN_IMAGEFLOW_EVENT'
  | 'AVRO_DECODE_FAILED'
  | 'ENVELOPE_MISMATCH';

/** The bytes can never decode, whatever we retry: dead-letter them with `message` as the reason. */
export class UndecodableMessageError extends Error {
  constructor(
    readonly reason: UndecodableReason,
    message: string,
    readonly schemaId?: number,
  ) {
    super(`undecodable message (${reason}): ${message}`);
    this.name = 'UndecodableMessageError';
  }
}

/** The schema registry could not be asked (down, timeout, 5xx). Transient: retry, never dead-letter. */
export class SchemaRegistryUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(`schema registry unavailable: ${message}`, options);
    this.name = 'SchemaRegistryUnavailableError';
  }
}

export const errorMessage = (error: unknown): string =>
  error instanceof Error ? error.message : String(error);
