import { COMPATIBILITY, SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import { stack, uniqueName } from './stack-env';

const recordSchema = (name: string, extraFields: object[] = []) => ({
  type: 'record',
  name,
  namespace: 'imageflow.smoke',
  fields: [{ name: 'imageId', type: 'string' }, { name: 'width', type: 'int' }, ...extraFields],
});

describe('schema registry (Confluent API) with avsc', () => {
  const registry = new SchemaRegistry({ host: stack.schemaRegistryUrl });

  it('registers an Avro schema and round-trips a record in the Confluent wire format', async () => {
    const name = uniqueName('Smoke').replaceAll('-', '_');
    const schema = recordSchema(name);
    const { id } = await registry.register(
      { type: SchemaType.AVRO, schema: JSON.stringify(schema) },
      { subject: `imageflow.smoke.${name}`, compatibility: COMPATIBILITY.BACKWARD },
    );
    expect(id).toBeGreaterThan(0);

    const value = { imageId: 'sha256-abc', width: 1920 };
    const bytes = await registry.encode(id, value);
    // Confluent framing: magic byte 0, then the schema id as a big-endian int32, then the Avro body.
    expect(bytes[0]).toBe(0);
    expect(bytes.readInt32BE(1)).toBe(id);
    expect(avro.Type.forSchema(schema as avro.Schema).fromBuffer(bytes.subarray(5))).toEqual(value);
    expect(await registry.decode(bytes)).toEqual(value);
  });

  it('refuses a change that breaks BACKWARD compatibility', async () => {
    const name = uniqueName('Compat').replaceAll('-', '_');
    const subject = `imageflow.smoke.${name}`;
    await registry.register(
      { type: SchemaType.AVRO, schema: JSON.stringify(recordSchema(name)) },
      { subject, compatibility: COMPATIBILITY.BACKWARD },
    );
    // A new required field without a default cannot read old data.
    const breaking = recordSchema(name, [{ name: 'lot', type: 'string' }]);
    await expect(
      registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(breaking) }, { subject }),
    ).rejects.toThrow();
    // The same field with a default is a compatible evolution.
    const compatible = recordSchema(name, [{ name: 'lot', type: ['null', 'string'], default: null }]);
    const { id } = await registry.register(
      { type: SchemaType.AVRO, schema: JSON.stringify(compatible) },
      { subject },
    );
    expect(id).toBeGreaterThan(0);
  });
});
