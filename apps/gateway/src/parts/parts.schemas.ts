import { z } from '@imageflow/config';
import { PORT_KINDS } from '@imageflow/pipeline';

const localized = z.object({ en: z.string(), ja: z.string() });

export const portSchema = z.object({
  name: z.string(),
  kind: z.enum(PORT_KINDS).describe('An output connects only to an input of the same kind'),
  required: z.boolean().describe('Inputs: must be connected. Outputs: always produced'),
  title: localized,
});

export const partSchema = z.object({
  id: z.string().describe('Stable, dotted, category-prefixed id, e.g. "pre.resize"'),
  version: z.string().describe('Semantic version; pipelines pin it'),
  category: z.enum(['pre', 'ai', 'post']),
  stageKind: z
    .string()
    .describe('The stage-worker kind that runs it: "image" (compute-image) or "ai" (compute-ai)'),
  title: localized,
  description: localized,
  inputs: z.array(portSchema),
  outputs: z.array(portSchema),
  parametersSchema: z
    .record(z.string(), z.unknown())
    .describe("JSON Schema (draft-07) of the node's parameters, parsed; the canvas builds its form from it"),
  source: z.string().describe('Address of the compute service that described it'),
});

export type Part = z.infer<typeof partSchema>;

export const partSourceSchema = z.object({
  address: z.string().describe('host:port from COMPUTE_ADDRESSES'),
  service: z
    .string()
    .nullable()
    .describe('Name the service gave in Describe, e.g. "compute-image"; null if it failed'),
  ok: z.boolean(),
  parts: z.number().int().describe('Parts taken from this service'),
  latencyMs: z.number(),
  error: z.string().nullable().describe('Why the service did not answer (gRPC code and detail)'),
  skipped: z
    .array(z.object({ id: z.string(), reason: z.string() }))
    .describe(
      'Parts of this service left out of the catalog (unreadable parameters schema, id already served)',
    ),
});

export const partsCatalogSchema = z.object({
  parts: z
    .array(partSchema)
    .describe('Flat list sorted by category (pre, ai, post) then id; group by `category` for a palette'),
  sources: z.array(partSourceSchema).describe('One entry per compute service, answered or failed'),
  fetchedAt: z.iso
    .datetime()
    .describe('When the compute services were asked (responses are cached for PARTS_CACHE_TTL_MS)'),
});

export type PartsCatalog = z.infer<typeof partsCatalogSchema>;
