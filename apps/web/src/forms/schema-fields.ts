// JSON Schema (the draft-07 that zod's toJSONSchema gives the parts) → form fields. Only the top level of the
// parameters object becomes typed fields; arrays and objects (e.g. post.judge's rules) are edited as JSON text.
export type FieldKind = 'integer' | 'number' | 'string' | 'enum' | 'boolean' | 'json';

export interface FormField {
  name: string;
  kind: FieldKind;
  /** The schema's title, else the property name. */
  label: string;
  description?: string;
  required: boolean;
  default?: unknown;
  minimum?: number;
  maximum?: number;
  /** For `integer`/`number`: the HTML step. */
  step?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  options?: (string | number | boolean)[];
}

type Schema = Record<string, unknown>;

const isObject = (v: unknown): v is Schema => !!v && typeof v === 'object' && !Array.isArray(v);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** zod marks optional-with-null as anyOf [{…}, {type:'null'}]: read the non-null branch. */
function unwrap(schema: Schema): Schema {
  const union = (schema['anyOf'] ?? schema['oneOf']) as unknown;
  if (Array.isArray(union)) {
    const branches = union.filter((b): b is Schema => isObject(b) && b['type'] !== 'null');
    if (branches.length === 1) return { ...schema, ...branches[0] };
  }
  return schema;
}

function typeOf(schema: Schema): string | undefined {
  const t = schema['type'];
  if (typeof t === 'string') return t;
  if (Array.isArray(t)) return t.find((x): x is string => typeof x === 'string' && x !== 'null');
  return undefined;
}

export function fieldOf(name: string, raw: unknown, required: boolean): FormField {
  const schema = isObject(raw) ? unwrap(raw) : {};
  const field: FormField = {
    name,
    kind: 'json',
    label: typeof schema['title'] === 'string' ? schema['title'] : name,
    required,
  };
  if (typeof schema['description'] === 'string') field.description = schema['description'];
  if ('default' in schema) field.default = schema['default'];

  const options = Array.isArray(schema['enum'])
    ? schema['enum']
    : 'const' in schema
      ? [schema['const']]
      : undefined;
  if (options && options.every((o) => ['string', 'number', 'boolean'].includes(typeof o))) {
    field.kind = 'enum';
    field.options = options as (string | number | boolean)[];
    return field;
  }

  const type = typeOf(schema);
  if (type === 'integer' || type === 'number') {
    field.kind = type;
    // zod's int() bounds are the safe-integer range: no use as a form hint.
    const min = num(schema['minimum']);
    const max = num(schema['maximum']);
    if (min !== undefined && Math.abs(min) < Number.MAX_SAFE_INTEGER) field.minimum = min;
    if (max !== undefined && Math.abs(max) < Number.MAX_SAFE_INTEGER) field.maximum = max;
    const multipleOf = num(schema['multipleOf']);
    const step = multipleOf ?? (type === 'integer' ? 1 : undefined);
    if (step !== undefined) field.step = step;
  } else if (type === 'string') {
    field.kind = 'string';
    const minLength = num(schema['minLength']);
    const maxLength = num(schema['maxLength']);
    if (minLength !== undefined) field.minLength = minLength;
    if (maxLength !== undefined) field.maxLength = maxLength;
    if (typeof schema['pattern'] === 'string') field.pattern = schema['pattern'];
  } else if (type === 'boolean') {
    field.kind = 'boolean';
  }
  return field;
}

/** The fields of a parameters schema, in property order. */
export function fieldsOf(schema: Record<string, unknown>): FormField[] {
  const properties = isObject(schema['properties']) ? schema['properties'] : {};
  const required = new Set(
    Array.isArray(schema['required']) ? schema['required'].filter((r) => typeof r === 'string') : [],
  );
  return Object.entries(properties).map(([name, prop]) => fieldOf(name, prop, required.has(name)));
}

/**
 * The parameter value of what was typed. Empty → undefined (the parameter is left out, so the part's default
 * applies, or `required` is reported). Text that is not a number stays text: validateDefinition then reports
 * the type error on the field, the same message the server would give, and saving is blocked.
 */
export function parseFieldInput(field: FormField, input: string | boolean): unknown {
  if (typeof input === 'boolean') return input;
  if (field.kind === 'enum') {
    if (input === '') return undefined;
    const options = field.options ?? [];
    return options.find((o) => String(o) === input) ?? input;
  }
  if (field.kind === 'integer' || field.kind === 'number') {
    const text = input.trim();
    if (text === '') return undefined;
    const n = Number(text);
    return Number.isFinite(n) ? n : input;
  }
  if (field.kind === 'string') return input === '' ? undefined : input;
  if (input.trim() === '') return undefined;
  try {
    return JSON.parse(input) as unknown;
  } catch {
    return input;
  }
}

/** The text shown in a field for a parameter value (or the part's default when the parameter is unset). */
export function fieldText(value: unknown): string {
  if (value === undefined || value === null) return '';
  return typeof value === 'object' ? JSON.stringify(value, null, 2) : String(value);
}

/** For a JSON field: typed text that does not parse (so the form can say so before the schema error). */
export const isUnparsedJson = (field: FormField, value: unknown): boolean =>
  field.kind === 'json' && typeof value === 'string';
