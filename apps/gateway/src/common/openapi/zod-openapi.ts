// OpenAPI from the same zod schemas that validate requests and shape responses: one definition per shape.
import { ApiQuery } from '@nestjs/swagger';
import type { SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { z } from '@imageflow/config';

const components = new Map<string, SchemaObject>();

const toSchema = (schema: z.ZodType, io: 'input' | 'output'): SchemaObject =>
  z.toJSONSchema(schema, { target: 'openapi-3.0', io, unrepresentable: 'any' }) as SchemaObject;

/** Registers a named response/request schema and returns its `$ref` for @ApiResponse / @ApiBody. */
export function apiSchema(
  name: string,
  schema: z.ZodType,
  io: 'input' | 'output' = 'output',
): { $ref: string } {
  components.set(name, toSchema(schema, io));
  return { $ref: `#/components/schemas/${name}` };
}

/** Every schema registered with `apiSchema`, for the document's `components.schemas`. */
export function registeredSchemas(): Record<string, SchemaObject> {
  return Object.fromEntries(components);
}

/** Documents each key of a zod object as a query parameter. */
export function ApiZodQuery(schema: z.ZodObject): MethodDecorator {
  const json = toSchema(schema, 'input') as SchemaObject & {
    properties?: Record<string, SchemaObject>;
    required?: string[];
  };
  const decorators = Object.entries(json.properties ?? {}).map(([name, property]) =>
    ApiQuery({
      name,
      required: json.required?.includes(name) ?? false,
      schema: property,
      ...(property.description ? { description: property.description } : {}),
    }),
  );
  return (target, key, descriptor) => {
    for (const decorator of decorators) decorator(target, key, descriptor);
  };
}
