import { z } from '@imageflow/config';
import { PAGE_LIMITS, RUN_STATUSES } from '@imageflow/persistence';

const filterValue = z.string().trim().min(1).max(200);
const time = z.iso.datetime({
  offset: true,
  message: 'must be an ISO 8601 time with a zone, e.g. 2026-11-28T09:15:00Z',
});

export const runsQuerySchema = z
  .object({
    status: z.enum(RUN_STATUSES).optional(),
    cameraId: filterValue.optional(),
    lineId: filterValue.optional(),
    lot: filterValue.optional(),
    pipelineId: filterValue.optional(),
    pipelineVersion: filterValue.optional(),
    imageId: filterValue.optional(),
    replayId: filterValue.optional(),
    from: time.optional().describe('Runs started at or after this time'),
    to: time.optional().describe('Runs started before this time'),
    limit: z.coerce.number().int().min(1).max(PAGE_LIMITS.max).default(PAGE_LIMITS.default),
    cursor: z.string().min(1).max(1_000).optional().describe('nextCursor of the previous page, unchanged'),
  })
  .strict()
  .refine((q) => !q.from || !q.to || Date.parse(q.from) < Date.parse(q.to), {
    message: 'from must be before to',
    path: ['from'],
  });

export type RunsQuery = z.infer<typeof runsQuerySchema>;

const runError = z.object({ code: z.string(), message: z.string().nullable() }).nullable();

export const runSchema = z.object({
  id: z.string(),
  imageId: z.string().nullable(),
  pipelineId: z.string().nullable(),
  pipelineVersion: z.string().nullable(),
  trigger: z.string().nullable(),
  replayId: z.string().nullable(),
  cameraId: z.string().nullable(),
  lineId: z.string().nullable(),
  lot: z.string().nullable(),
  serial: z.string().nullable(),
  status: z.enum(RUN_STATUSES),
  verdict: z.enum(['OK', 'NG']).nullable(),
  startedAt: z.iso.datetime(),
  finishedAt: z.iso.datetime().nullable(),
  durationMs: z.number().nullable(),
  failedNodeId: z.string().nullable(),
  error: runError,
  skippedNodeIds: z.array(z.string()),
});

export const runPageSchema = z.object({
  items: z.array(runSchema),
  nextCursor: z.string().nullable().describe('Pass as ?cursor= for the next page; null on the last page'),
});

const objectRefWithUrl = z
  .object({
    bucket: z.string(),
    key: z.string(),
    size: z.number().optional(),
    contentType: z.string().optional(),
    width: z.number().nullable().optional(),
    height: z.number().nullable().optional(),
    url: z.string().describe('Presigned GET URL'),
  })
  .loose();

export const stepOutputSchema = z
  .object({
    port: z.string(),
    kind: z.string(),
    object: objectRefWithUrl.nullable().optional(),
  })
  .loose();

export const stepSchema = z.object({
  nodeId: z.string(),
  partId: z.string().nullable(),
  partVersion: z.string().nullable(),
  stageKind: z.string().nullable(),
  status: z.enum(['requested', 'running', 'completed', 'failed']),
  attempts: z.number().int(),
  workerId: z.string().nullable(),
  requestedAt: z.iso.datetime().nullable(),
  startedAt: z.iso.datetime().nullable(),
  finishedAt: z.iso.datetime().nullable(),
  timings: z.record(z.string(), z.number()).nullable(),
  outputs: z.array(stepOutputSchema).nullable(),
  modelId: z.string().nullable(),
  modelVersion: z.string().nullable(),
  error: z
    .object({ code: z.string(), message: z.string().nullable(), retryable: z.boolean().nullable() })
    .nullable(),
});

export const runDetailsSchema = runSchema.extend({
  steps: z.array(stepSchema),
  detections: z.array(
    z.object({
      nodeId: z.string(),
      idx: z.number().int(),
      port: z.string(),
      label: z.string(),
      score: z.number(),
      box: z.object({ x: z.number(), y: z.number(), width: z.number(), height: z.number() }),
      text: z.string().nullable(),
      classId: z.number().int().nullable(),
    }),
  ),
  judgements: z.array(
    z.object({
      nodeId: z.string(),
      port: z.string(),
      verdict: z.enum(['OK', 'NG']),
      reasons: z.array(z.string()),
    }),
  ),
  urlExpiresAt: z.iso.datetime().describe('When the presigned output URLs stop working'),
});

export type RunDetailsResponse = z.infer<typeof runDetailsSchema>;
