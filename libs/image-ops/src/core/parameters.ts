import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import { ImageOpError } from '../errors/image-op.error';

/** A JSON Schema (draft-07) object, as published in a part's descriptor. */
export type JsonSchema = { [keyword: string]: unknown };

// One compiler for every part. Strict mode refuses misspelt keywords in our own schemas at start-up;
// defaults are filled in, so a part sees a complete parameters object; nothing is coerced.
const ajv = new Ajv({
  allErrors: true,
  useDefaults: true,
  strict: true,
  coerceTypes: false,
  discriminator: true,
});

const formatError = (error: ErrorObject): string => {
  const path = error.instancePath ? error.instancePath.slice(1).replaceAll('/', '.') : '(parameters)';
  if (error.keyword === 'additionalProperties') {
    return `${path}: unknown parameter "${String(error.params['additionalProperty'])}"`;
  }
  if (error.keyword === 'enum') {
    return `${path}: must be one of ${(error.params['allowedValues'] as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
  }
  return `${path}: ${error.message ?? error.keyword}`;
};

export interface ParameterValidator<P> {
  (raw: unknown): P;
}

/** Compiles a part's schema once; the returned function validates a copy and returns it with defaults. */
export function compileParameters<P>(partId: string, schema: JsonSchema): ParameterValidator<P> {
  let validate: ValidateFunction;
  try {
    validate = ajv.compile(schema);
  } catch (error) {
    throw new Error(`${partId}: invalid parameters schema: ${(error as Error).message}`, { cause: error });
  }
  return (raw: unknown): P => {
    const value: unknown = raw === undefined || raw === null ? {} : structuredClone(raw);
    if (!validate(value)) {
      const problems = (validate.errors ?? []).map(formatError);
      throw new ImageOpError('INVALID_PARAMETERS', `${partId}: invalid parameters: ${problems.join('; ')}`);
    }
    return value as P;
  };
}

/** Parses `parameters_json` as sent over gRPC: empty means `{}`; anything but a JSON object is refused. */
export function parseParametersJson(partId: string, json: string): unknown {
  if (json.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    throw new ImageOpError(
      'INVALID_PARAMETERS',
      `${partId}: parameters_json is not valid JSON (${(error as Error).message})`,
    );
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ImageOpError('INVALID_PARAMETERS', `${partId}: parameters_json must be a JSON object`);
  }
  return value;
}
