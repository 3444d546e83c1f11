// Schema-registry serde: Confluent wire format (magic byte 0, big-endian int32 schema id, Avro body) with the
// record-name subject strategy, so several event types share one topic.
import { COMPATIBILITY, SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import {
  avroTypeOf,
  EVENT_NAMESPACE,
  EVENT_SCHEMAS,
  EventValidationError,
  fullEventName,
  invalidPaths,
  isEventType,
  subjectFor,
  type EventOf,
  type EventType,
} from '@imageflow/contracts';
import type { Type } from 'avsc';
import { errorMessage, SchemaRegistryUnavailableError, UndecodableMessageError } from './errors';

export const MAGIC_BYTE = 0;
const HEADER_LENGTH = 5;

/** The registry client's raw Avro record shape (not exported by its package root). */
interface RawAvroSchema {
  type: 'record';
  name: string;
  namespace?: string;
  fields: unknown[];
}

export type DecodedEvent = { [T in EventType]: { type: T; event: EventOf<T>; schemaId: number } }[EventType];

export type Compatibility = 'BACKWARD' | 'BACKWARD_TRANSITIVE' | 'FORWARD' | 'FULL' | 'NONE';

export interface EventSerdeOptions {
  /** Base URL of the Confluent-compatible API, e.g. http://127.0.0.1:8081/apis/ccompat/v7 for Apicurio. */
  registryUrl: string;
  /** Set on a subject when this serde registers it first. */
  compatibility?: Compatibility;
  clientId?: string;
}

/** Frames an Avro body: magic byte, schema id, body. */
export function frame(schemaId: number, body: Buffer): Buffer {
  const header = Buffer.alloc(HEADER_LENGTH);
  header.writeUInt8(MAGIC_BYTE, 0);
  header.writeInt32BE(schemaId, 1);
  return Buffer.concat([header, body]);
}

/** Splits a framed message; throws UndecodableMessageError when it is not the Confluent wire format. */
export function unframe(bytes: Buffer | null | undefined): { schemaId: number; body: Buffer } {
  if (!bytes || bytes.length === 0)
    throw new UndecodableMessageError('NOT_WIRE_FORMAT', 'empty value (tombstone or no bytes)');
  if (bytes[0] !== MAGIC_BYTE)
    throw new UndecodableMessageError(
      'NOT_WIRE_FORMAT',
      `no magic byte: first byte is 0x${bytes[0]?.toString(16).padStart(2, '0')}, expected 0x00 (Confluent wire format)`,
    );
  if (bytes.length < HEADER_LENGTH)
    throw new UndecodableMessageError(
      'NOT_WIRE_FORMAT',
      `${bytes.length} bytes, too short for the 5-byte wire-format header`,
    );
  return { schemaId: bytes.readInt32BE(1), body: bytes.subarray(HEADER_LENGTH) };
}

const isNetworkError = (error: unknown): boolean =>
  /ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|EHOSTUNREACH|socket hang up|timeout|network/i.test(
    errorMessage(error),
  );

const statusOf = (error: unknown): number | undefined =>
  typeof error === 'object' && error !== null && 'status' in error && typeof error.status === 'number'
    ? error.status
    : undefined;

interface WriterSchema {
  type: EventType;
  writer: Type;
}

export class EventSerde {
  private readonly registry: SchemaRegistry;
  private readonly registryUrl: string;
  private readonly compatibility: Compatibility;
  /** Both directions cached: type → id (registration) and id → writer schema (decoding). Failed look-ups are not cached. */
  private readonly idByType = new Map<EventType, Promise<number>>();
  private readonly writerById = new Map<number, Promise<WriterSchema>>();

  constructor(opts: EventSerdeOptions) {
    this.registryUrl = opts.registryUrl.replace(/\/+$/, '');
    this.registry = new SchemaRegistry({ host: this.registryUrl, clientId: opts.clientId ?? 'imageflow' });
    this.compatibility = opts.compatibility ?? 'BACKWARD';
  }

  /** Registers the event's schema under its record-name subject on first use (idempotent in the registry) and returns its id. */
  schemaIdOf(type: EventType): Promise<number> {
    let id = this.idByType.get(type);
    if (!id) {
      id = this.register(type);
      this.idByType.set(type, id);
      id.catch(() => this.idByType.delete(type));
    }
    return id;
  }

  /** Registers every event schema now, e.g. at start-up, so the first publish does not wait on the registry. */
  async registerAll(): Promise<Map<EventType, number>> {
    const types = Object.keys(EVENT_SCHEMAS).map((name) =>
      name.slice(EVENT_NAMESPACE.length + 1),
    ) as EventType[];
    const ids = await Promise.all(types.map((type) => this.schemaIdOf(type)));
    return new Map(types.map((type, i) => [type, ids[i] as number]));
  }

  async encode<T extends EventType>(type: T, event: EventOf<T>): Promise<Buffer> {
    const paths = invalidPaths(type, event);
    if (paths.length === 0 && event.envelope.type !== type) paths.push('envelope.type');
    if (paths.length) throw new EventValidationError(type, paths);
    const schemaId = await this.schemaIdOf(type);
    return frame(schemaId, avroTypeOf(type).toBuffer(event));
  }

  /**
   * Decodes with the writer's schema (looked up by id) resolved into this build's schema of the same record, so
   * events written by an older or newer compatible producer read as the current type.
   */
  async decode(bytes: Buffer): Promise<DecodedEvent> {
    const { schemaId, body } = unframe(bytes);
    const { type, writer } = await this.writerOf(schemaId);
    const reader = avroTypeOf(type);
    let event: EventOf<EventType>;
    try {
      event = (
        reader.equals(writer)
          ? reader.fromBuffer(body)
          : reader.fromBuffer(body, reader.createResolver(writer))
      ) as EventOf<EventType>;
    } catch (error) {
      throw new UndecodableMessageError(
        'AVRO_DECODE_FAILED',
        `${type} (schema id ${schemaId}): ${errorMessage(error)}`,
        schemaId,
      );
    }
    if (event.envelope.type !== type)
      throw new UndecodableMessageError(
        'ENVELOPE_MISMATCH',
        `record ${type} (schema id ${schemaId}) carries envelope.type "${event.envelope.type}"`,
        schemaId,
      );
    return { type, event, schemaId } as DecodedEvent;
  }

  private async register(type: EventType): Promise<number> {
    try {
      const schema = EVENT_SCHEMAS[fullEventName(type)] as unknown as RawAvroSchema;
      const { id } = await this.registry.register(schema, {
        subject: subjectFor(type),
        compatibility: COMPATIBILITY[this.compatibility],
      });
      return id;
    } catch (error) {
      throw this.registryError(`registering ${subjectFor(type)}`, error);
    }
  }

  private writerOf(schemaId: number): Promise<WriterSchema> {
    let writer = this.writerById.get(schemaId);
    if (!writer) {
      writer = this.lookUp(schemaId);
      this.writerById.set(schemaId, writer);
      // Keep "not an imageflow event" (a schema id's content never changes); forget everything else, including
      // "unknown id", so a registry that was briefly wrong or being restored is asked again.
      writer.catch((error: unknown) => {
        if (!(error instanceof UndecodableMessageError && error.reason === 'NOT_AN_IMAGEFLOW_EVENT'))
          this.writerById.delete(schemaId);
      });
    }
    return writer;
  }

  private async lookUp(schemaId: number): Promise<WriterSchema> {
    let schema: unknown;
    try {
      schema = await this.registry.getSchema(schemaId);
    } catch (error) {
      const status = statusOf(error);
      // A 404 means "no such id" only from a registry we can otherwise talk to; a wrong URL also answers 404,
      // and must not send every message to the dead-letter topic.
      if (status === 404 && (await this.registryAnswers()))
        throw new UndecodableMessageError(
          'UNKNOWN_SCHEMA_ID',
          `schema id ${schemaId} is not in the registry`,
          schemaId,
        );
      // No HTTP status: the registry answered, but not with a schema avsc can read (e.g. a JSON or Protobuf one).
      if (status === undefined && !isNetworkError(error))
        throw new UndecodableMessageError(
          'NOT_AN_IMAGEFLOW_EVENT',
          `schema id ${schemaId} is not a usable Avro schema: ${errorMessage(error)}`,
          schemaId,
        );
      throw this.registryError(`looking up schema id ${schemaId}`, error);
    }
    const name = typeof schema === 'object' && schema !== null && 'name' in schema ? String(schema.name) : '';
    const short = name.startsWith(`${EVENT_NAMESPACE}.`) ? name.slice(EVENT_NAMESPACE.length + 1) : '';
    if (!short || !isEventType(short) || fullEventName(short) !== name)
      throw new UndecodableMessageError(
        'NOT_AN_IMAGEFLOW_EVENT',
        `schema id ${schemaId} is ${name ? `record "${name}"` : 'not an Avro record'}, not an imageflow event`,
        schemaId,
      );
    return { type: short, writer: schema as Type };
  }

  /** True when the registry's subject list answers 200, i.e. the URL points at a working registry. */
  private async registryAnswers(): Promise<boolean> {
    try {
      const response = await fetch(`${this.registryUrl}/subjects`, { signal: AbortSignal.timeout(5_000) });
      return response.ok;
    } catch {
      return false;
    }
  }

  private registryError(action: string, error: unknown): Error {
    if (error instanceof UndecodableMessageError) return error;
    const status = statusOf(error);
    // The registry client reports connection failures as status 400 with the socket error as text.
    const transient =
      isNetworkError(error) ||
      (status !== undefined && (status >= 500 || [401, 403, 404, 408, 429].includes(status)));
    if (transient)
      return new SchemaRegistryUnavailableError(`${action}: ${errorMessage(error)}`, { cause: error });
    // 409: the schema is incompatible with the subject's history; or the subject's compatibility level differs.
    return new Error(
      `schema registry refused ${action}${status ? ` (${status})` : ''}: ${errorMessage(error)}`,
      { cause: error },
    );
  }
}
