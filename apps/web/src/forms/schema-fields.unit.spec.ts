import { catalogOf, validateDefinition, type PartSpec } from '@imageflow/pipeline';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { fieldOf, fieldsOf, fieldText, isUnparsedJson, parseFieldInput } from './schema-fields';

// The compute services publish their parameters as zod → JSON Schema (draft-7, io: input); test on that shape.
const schema = z.toJSONSchema(
  z
    .object({
      width: z.number().int().min(1).max(16384).describe('Target width in pixels'),
      threshold: z.number().min(0).max(1).default(0.5),
      model: z.string().min(1).max(64),
      mode: z.enum(['cover', 'contain']).default('cover'),
      flip: z.boolean().optional(),
      label: z.string().nullable().optional(),
      region: z.object({ x: z.number(), y: z.number() }).optional(),
    })
    .strict(),
  { target: 'draft-7', io: 'input' },
) as Record<string, unknown>;

describe('JSON Schema → form fields', () => {
  const fields = fieldsOf(schema);
  const byName = (name: string) => fields.find((f) => f.name === name);

  it('maps every property, in order, with its kind', () => {
    expect(fields.map((f) => [f.name, f.kind])).toEqual([
      ['width', 'integer'],
      ['threshold', 'number'],
      ['model', 'string'],
      ['mode', 'enum'],
      ['flip', 'boolean'],
      ['label', 'string'],
      ['region', 'json'],
    ]);
  });

  it('carries required, bounds, defaults, options and descriptions', () => {
    expect(byName('width')).toMatchObject({
      required: true,
      minimum: 1,
      maximum: 16384,
      step: 1,
      description: 'Target width in pixels',
    });
    expect(byName('threshold')).toMatchObject({ required: false, minimum: 0, maximum: 1, default: 0.5 });
    expect(byName('threshold')?.step).toBeUndefined();
    expect(byName('model')).toMatchObject({ required: true, minLength: 1, maxLength: 64 });
    expect(byName('mode')).toMatchObject({ options: ['cover', 'contain'], default: 'cover' });
    expect(byName('flip')?.required).toBe(false);
  });

  it('drops the safe-integer bounds zod puts on int() as useless hints', () => {
    const f = fieldOf('n', z.toJSONSchema(z.number().int(), { target: 'draft-7' }), false);
    expect(f.kind).toBe('integer');
    expect(f.minimum).toBeUndefined();
    expect(f.maximum).toBeUndefined();
  });

  it('reads const as a one-option enum and tolerates schemas without properties', () => {
    expect(fieldOf('v', { const: 'x' }, true)).toMatchObject({ kind: 'enum', options: ['x'] });
    expect(fieldsOf({ type: 'object' })).toEqual([]);
    expect(fieldOf('t', { type: 'string', title: 'Title' }, false).label).toBe('Title');
  });

  it('turns typed text into parameter values', () => {
    const width = byName('width');
    const mode = byName('mode');
    const model = byName('model');
    if (!width || !mode || !model) throw new Error('fields missing');
    expect(parseFieldInput(width, ' 640 ')).toBe(640);
    expect(parseFieldInput(width, '')).toBeUndefined();
    expect(parseFieldInput(width, '64o')).toBe('64o');
    expect(parseFieldInput(mode, 'contain')).toBe('contain');
    expect(parseFieldInput(mode, '')).toBeUndefined();
    expect(parseFieldInput(model, '')).toBeUndefined();
    expect(parseFieldInput(model, 'ssd')).toBe('ssd');
    expect(parseFieldInput(fieldOf('n', { enum: [1, 2] }, false), '2')).toBe(2);
    expect(fieldText(undefined)).toBe('');
    expect(fieldText({ a: 1 })).toBe('{\n  "a": 1\n}');
    const region = byName('region');
    if (!region) throw new Error('region missing');
    expect(parseFieldInput(region, '{"x": 1, "y": 2}')).toEqual({ x: 1, y: 2 });
    expect(parseFieldInput(region, '{"x": 1,')).toBe('{"x": 1,');
    expect(isUnparsedJson(region, '{"x": 1,')).toBe(true);
    expect(isUnparsedJson(region, { x: 1 })).toBe(false);
    expect(parseFieldInput(region, ' ')).toBeUndefined();
  });

  it('leaves bad input for validateDefinition, which reports it on the field the form shows it at', () => {
    const part: PartSpec = {
      id: 'pre.resize',
      version: '1',
      category: 'pre',
      stageKind: 'image',
      inputs: [],
      outputs: [{ name: 'image', kind: 'IMAGE' }],
      parametersSchema: schema,
    };
    const width = byName('width');
    if (!width) throw new Error('width missing');
    const definition = {
      nodes: [
        {
          id: 'resize',
          part: { id: 'pre.resize', version: '1' },
          parameters: { width: parseFieldInput(width, '64o'), model: 'm' },
        },
      ],
      edges: [],
    };
    const result = validateDefinition(definition, catalogOf([part]));
    expect(result.issues.map((i) => [i.code, i.path])).toEqual([['INVALID_PARAMETERS', '/width']]);
    const missing = validateDefinition(
      {
        nodes: [{ id: 'resize', part: { id: 'pre.resize', version: '1' }, parameters: { width: 3 } }],
        edges: [],
      },
      catalogOf([part]),
    );
    expect(missing.issues.map((i) => i.path)).toEqual(['/model']);
  });
});
