// Against the real schema registry of the local stack (Apicurio, Confluent-compatible API).
import { EVENT_NAMESPACE, EVENT_SCHEMAS, subjectFor } from '@imageflow/contracts';
import { afterAll, describe, expect, it } from 'vitest';
import { SchemaRegistryUnavailableError, UndecodableMessageError } from './errors';
import { EventSerde, frame, unframe } from './event-serde';
import { buildEvent, testStack, uniqueName } from './testing';

const registry = testStack.schemaRegistryUrl;
const created: string[] = [];

async function api(method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
  const response = await fetch(`${registry}${path}`, {
    method,
    headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, json: text ? (JSON.parse(text) as unknown) : undefined };
}

/** Registers a schema under a test-only subject (with BACKWARD compatibility) and returns its id. */
async function registerUnder(subject: string, schema: unknown): Promise<number> {
  if (!created.includes(subject)) created.push(subject);
  const { status, json } = await api('POST', `/subjects/${encodeURIComponent(subject)}/versions`, {
    schema: JSON.stringify(schema),
  });
  if (status !== 200) throw new Error(`register ${subject}: ${status} ${JSON.stringify(json)}`);
  return (json as { id: number }).id;
}

afterAll(async () => {
  for (const subject of created) {
    await api('DELETE', `/subjects/${encodeURIComponent(subject)}`);
    await api('DELETE', `/subjects/${encodeURIComponent(subject)}?permanent=true`);
  }
});

describe('EventSerde against the registry', () => {
  it('round-trips every event type; a fresh serde decodes by schema id alone', async () => {
    const writer = new EventSerde({ registryUrl: registry });
    const ids = await writer.registerAll();
    expect(ids.size).toBe(Object.keys(EVENT_SCHEMAS).length);
    const reader = new EventSerde({ registryUrl: registry });
    for (const [type, id] of ids) {
      const event = buildEvent(type);
      const bytes = await writer.encode(type, event);
      expect(bytes[0]).toBe(0);
      expect(unframe(bytes).schemaId).toBe(id);
      const decoded = await reader.decode(bytes);
      expect(decoded).toEqual({ type, event, schemaId: id });
    }
  });

  it('registers under the record-name subject with BACKWARD compatibility', async () => {
    const serde = new EventSerde({ registryUrl: registry });
    const id = await serde.schemaIdOf('ImageCaptured');
    const subject = subjectFor('ImageCaptured');
    expect(subject).toBe(`${EVENT_NAMESPACE}.ImageCaptured`);
    const config = await api('GET', `/config/${subject}`);
    expect(config.json).toMatchObject({ compatibilityLevel: 'BACKWARD' });
    const latest = await api('GET', `/subjects/${subject}/versions/latest`);
    expect((latest.json as { id: number }).id).toBe(id);
  });

  it('the registry refuses an incompatible change of a BACKWARD subject and accepts a compatible one', async () => {
    const subject = uniqueName('imageflow.test.compat');
    const v1 = {
      type: 'record',
      name: 'Probe',
      namespace: 'imageflow.test',
      fields: [{ name: 'id', type: 'string' }],
    };
    await registerUnder(subject, v1);
    expect((await api('PUT', `/config/${subject}`, { compatibility: 'BACKWARD' })).status).toBe(200);

    // A new required field without a default: readers on v2 cannot read v1 data.
    const incompatible = { ...v1, fields: [...v1.fields, { name: 'lot', type: 'string' }] };
    const refused = await api('POST', `/subjects/${subject}/versions`, {
      schema: JSON.stringify(incompatible),
    });
    expect(refused.status).toBe(409);

    // Adding an optional field with a default is a BACKWARD-compatible change.
    const compatible = {
      ...v1,
      fields: [...v1.fields, { name: 'lot', type: ['null', 'string'], default: null }],
    };
    expect(
      (await api('POST', `/subjects/${subject}/versions`, { schema: JSON.stringify(compatible) })).status,
    ).toBe(200);
  });

  it('reads events written with an older schema of the same record as the current type', async () => {
    const current = EVENT_SCHEMAS[`${EVENT_NAMESPACE}.ImageCaptured`];
    // The previous version, before idempotencyKey existed.
    const older = { ...current, fields: current.fields.filter((f) => f.name !== 'idempotencyKey') };
    const olderId = await registerUnder(uniqueName('imageflow.test.older'), older);
    const { default: avro } = await import('avsc');
    const event = buildEvent('ImageCaptured', { idempotencyKey: null });
    const { idempotencyKey: _dropped, ...olderEvent } = event;
    const bytes = frame(olderId, avro.Type.forSchema(older as never).toBuffer(olderEvent));
    const decoded = await new EventSerde({ registryUrl: registry }).decode(bytes);
    expect(decoded).toEqual({ type: 'ImageCaptured', event, schemaId: olderId });
  });

  it('says why bytes do not decode', async () => {
    const serde = new EventSerde({ registryUrl: registry });
    const reasonOf = async (bytes: Buffer) => {
      const error = await serde.decode(bytes).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(UndecodableMessageError);
      return (error as UndecodableMessageError).reason;
    };
    const good = await serde.encode('RunCompleted', buildEvent('RunCompleted'));

    expect(await reasonOf(Buffer.from('{"not":"avro"}'))).toBe('NOT_WIRE_FORMAT');
    expect(await reasonOf(frame(2_000_000_000, good.subarray(5)))).toBe('UNKNOWN_SCHEMA_ID');

    const foreignId = await registerUnder(uniqueName('imageflow.test.foreign'), {
      type: 'record',
      name: 'Foreign',
      namespace: 'other.team',
      fields: [{ name: 'x', type: 'int' }],
    });
    expect(await reasonOf(frame(foreignId, Buffer.from([2])))).toBe('NOT_AN_IMAGEFLOW_EVENT');

    // Right schema id, body cut short.
    expect(await reasonOf(good.subarray(0, 12))).toBe('AVRO_DECODE_FAILED');
  });

  it('treats an unreachable or misconfigured registry as transient, never as undecodable bytes', async () => {
    const good = await new EventSerde({ registryUrl: registry }).encode(
      'RunCompleted',
      buildEvent('RunCompleted'),
    );
    for (const url of ['http://127.0.0.1:1', `${new URL(registry).origin}/no/such/api`]) {
      const error = await new EventSerde({ registryUrl: url }).decode(good).catch((e: unknown) => e);
      expect(error, url).toBeInstanceOf(SchemaRegistryUnavailableError);
    }
  });
});
