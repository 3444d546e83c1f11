import { z } from '@imageflow/config';
import { PAGE_LIMITS } from '@imageflow/persistence';

const nodeId = z.string().min(1).max(64);
const portRef = z.object({ node: z.string().min(1).max(64), port: z.string().min(1).max(64) }).strict();

/** The shape of a PipelineDefinition (libs/pipeline); its meaning (parts, ports, types, cycles) is checked by validateDefinition. */
export const definitionSchema = z
  .object({
    nodes: z
      .array(
        z
          .object({
            id: nodeId,
            part: z.object({ id: z.string().min(1).max(100), version: z.string().min(1).max(64) }).strict(),
            parameters: z.record(z.string(), z.unknown()).default({}),
            retry: z
              .object({
                maxAttempts: z.number().int().min(1).max(20),
                initialBackoffMs: z.number().int().min(0).max(600_000),
                maxBackoffMs: z.number().int().min(0).max(3_600_000),
                multiplier: z.number().min(1).max(10),
              })
              .partial()
              .strict()
              .optional(),
            timeoutMs: z.number().int().min(1).max(3_600_000).optional(),
            when: z
              .object({ node: nodeId, port: z.string().min(1).max(64), verdict: z.enum(['OK', 'NG']) })
              .strict()
              .optional(),
            label: z.string().max(200).optional(),
          })
          .strict(),
      )
      .max(200),
    edges: z.array(z.object({ from: portRef, to: portRef }).strict()).max(1_000),
  })
  .strict();

const name = z.string().trim().min(1).max(200);
const message = z.string().trim().min(1).max(2_000);

export const createPipelineSchema = z
  .object({ name, definition: definitionSchema, message: message.optional() })
  .strict();

export const createVersionSchema = z
  .object({
    definition: definitionSchema,
    message: message.optional(),
    name: name
      .optional()
      .describe("Rename the pipeline with this version; default: the pipeline's current name"),
  })
  .strict();

export const bindingBodySchema = z.object({ pipelineId: z.string().min(1).max(100) }).strict();

export const targetIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/, 'letters, digits, ".", "_", ":" and "-" (max 128)');

export const pipelinesQuerySchema = z
  .object({
    limit: z.coerce.number().int().min(1).max(PAGE_LIMITS.max).default(PAGE_LIMITS.default),
    cursor: z.string().min(1).max(1_000).optional().describe('nextCursor of the previous page, unchanged'),
  })
  .strict();

export const bindingsQuerySchema = z.object({ pipelineId: z.string().min(1).max(100).optional() }).strict();

export const issueSchema = z.object({
  code: z
    .string()
    .describe('CYCLE, UNKNOWN_PART, UNKNOWN_PORT, TYPE_MISMATCH, MISSING_INPUT, INVALID_PARAMETERS, …'),
  message: z.string(),
  nodeId: z.string().optional(),
  port: z.string().optional(),
  edge: z.number().int().optional().describe('Index into definition.edges'),
  path: z.string().optional().describe("JSON pointer into the node's parameters"),
  cycle: z.array(z.string()).optional().describe('The nodes on the cycle, in order'),
});

export const invalidDefinitionSchema = z.object({
  statusCode: z.literal(422),
  error: z.string(),
  message: z.string(),
  issues: z.array(issueSchema),
});

export const versionCreatedSchema = z.object({
  pipelineId: z.string(),
  version: z.string().describe('versionIdOf(definition): sha256 of the canonical definition'),
  eventId: z
    .string()
    .nullable()
    .describe('PipelineVersionCreated event id; null when the version already existed'),
  created: z
    .boolean()
    .describe('False when this exact definition is already a version of the pipeline (nothing published)'),
  stageKinds: z.record(z.string(), z.string()).describe('Node id → stage kind, from the parts catalog'),
});

export const activationPublishedSchema = z.object({
  pipelineId: z.string(),
  version: z.string(),
  eventId: z.string(),
  previousVersion: z.string().nullable().describe('The active version when the activation was published'),
});

export const bindingPublishedSchema = z.object({
  targetKind: z.enum(['CAMERA', 'LINE']),
  targetId: z.string(),
  pipelineId: z.string().nullable(),
  eventId: z.string(),
});

const activeVersion = z
  .object({
    version: z.string(),
    seq: z.number().int().nullable(),
    name: z.string().nullable(),
    message: z.string().nullable(),
    createdAt: z.string().nullable(),
    createdBy: z.string().nullable(),
    activatedAt: z.string(),
    activatedBy: z.string(),
  })
  .nullable();

export const pipelineSchema = z.object({
  id: z.string(),
  name: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
  versionCount: z.number().int(),
  activeVersion,
});

export const pipelinePageSchema = z.object({
  items: z.array(pipelineSchema),
  nextCursor: z.string().nullable(),
});

export const bindingSchema = z.object({
  targetKind: z.enum(['CAMERA', 'LINE']),
  targetId: z.string(),
  pipelineId: z.string(),
  boundAt: z.string(),
});

export const activationSchema = z.object({
  pipelineId: z.string(),
  version: z.string(),
  seq: z.number().int().nullable(),
  activatedAt: z.string(),
  activatedBy: z.string(),
  previousVersion: z.string().nullable(),
  rollback: z.boolean(),
});

export const pipelineDetailsSchema = pipelineSchema.extend({
  activations: z.array(activationSchema).describe('Activation history, newest first (rollbacks flagged)'),
  bindings: z.array(bindingSchema),
});

export const versionSummarySchema = z.object({
  pipelineId: z.string(),
  version: z.string(),
  seq: z.number().int(),
  name: z.string(),
  message: z.string().nullable(),
  createdAt: z.string(),
  createdBy: z.string(),
  stageKinds: z.record(z.string(), z.string()),
  active: z.boolean(),
});

export const versionListSchema = z.object({ items: z.array(versionSummarySchema) });
export const versionDetailsSchema = versionSummarySchema.extend({ definition: z.unknown() });
export const bindingListSchema = z.object({ items: z.array(bindingSchema) });

export type Definition = z.infer<typeof definitionSchema>;
export type VersionCreated = z.infer<typeof versionCreatedSchema>;
export type ActivationPublished = z.infer<typeof activationPublishedSchema>;
export type BindingPublished = z.infer<typeof bindingPublishedSchema>;
