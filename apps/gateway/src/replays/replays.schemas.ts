import { z } from '@imageflow/config';
import { PAGE_LIMITS } from '@imageflow/persistence';

const time = z.iso.datetime({
  offset: true,
  message: 'must be an ISO 8601 time with a zone, e.g. 2026-11-28T09:15:00Z',
});
const filterValues = z.array(z.string().trim().min(1).max(200)).max(200).default([]);

/** The body of POST /api/v1/replays; `maxWindowMs` is REPLAY_MAX_WINDOW_MS. */
export const createReplaySchema = (maxWindowMs: number) =>
  z
    .object({
      pipelineId: z.string().min(1).max(100),
      targetVersion: z.string().min(1).max(200).describe('The version the captures are run through'),
      baselineVersion: z
        .string()
        .min(1)
        .max(200)
        .optional()
        .describe('The version compared against; default: the original (non-replay) run of each image'),
      filter: z
        .object({
          from: time.describe('Captures taken at or after this time'),
          to: time.describe('Captures taken at or before this time'),
          cameraIds: filterValues,
          lineIds: filterValues,
          lots: filterValues,
        })
        .strict()
        .refine((f) => Date.parse(f.from) < Date.parse(f.to), {
          message: 'from must be before to',
          path: ['from'],
        })
        .refine((f) => Date.parse(f.to) - Date.parse(f.from) <= maxWindowMs, {
          message: `the window may span at most ${maxWindowMs} ms (REPLAY_MAX_WINDOW_MS)`,
          path: ['to'],
        }),
    })
    .strict();

export type CreateReplay = z.infer<ReturnType<typeof createReplaySchema>>;

export const replayIdSchema = z.string().min(1).max(100);

export const compareQuerySchema = z
  .object({
    limit: z.coerce.number().int().min(1).max(PAGE_LIMITS.max).default(PAGE_LIMITS.default),
    cursor: z.string().min(1).max(1_000).optional().describe('nextCursor of the previous page, unchanged'),
  })
  .strict();

export const replayPublishedSchema = z.object({
  replayId: z.string().describe('UUIDv7 of the new replay (also the Kafka key)'),
  eventId: z.string(),
});

export const REPLAY_STATUSES = [
  'requested',
  'running',
  'cancelling',
  'completed',
  'cancelled',
  'failed',
] as const;

export const replaySchema = z.object({
  id: z.string(),
  pipelineId: z.string().nullable(),
  targetVersion: z.string().nullable(),
  baselineVersion: z.string().nullable(),
  filter: z
    .object({
      from: z.string(),
      to: z.string(),
      cameraIds: z.array(z.string()),
      lineIds: z.array(z.string()),
      lots: z.array(z.string()),
    })
    .nullable(),
  requestedBy: z.string().nullable(),
  status: z.enum(REPLAY_STATUSES),
  matched: z.number().int().describe('Captures that matched the filter so far'),
  started: z.number().int().describe('Runs started so far'),
  scanComplete: z.boolean(),
  message: z.string().nullable().describe('Why the replay failed or was cancelled'),
  requestedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  runs: z
    .object({
      total: z.number().int(),
      queued: z.number().int(),
      running: z.number().int(),
      completed: z.number().int(),
      failed: z.number().int(),
    })
    .describe("The replay's runs in the read model, by status"),
});

const sideSchema = z
  .object({
    runId: z.string(),
    pipelineVersion: z.string().nullable(),
    status: z.string(),
    verdict: z.enum(['OK', 'NG']).nullable(),
    labels: z.record(z.string(), z.number().int()).describe('Detection label → count'),
    detectionTexts: z.array(z.string()).describe('Texts of the detections, in node and index order'),
    texts: z.record(z.string(), z.string()).describe('Text outputs, by "<node>.<port>"'),
  })
  .nullable();

export const COMPARE_OUTCOMES = [
  'okToNg',
  'ngToOk',
  'unchanged',
  'changed',
  'missingBaseline',
  'pending',
] as const;

export const compareItemSchema = z.object({
  imageId: z.string(),
  outcome: z.enum(COMPARE_OUTCOMES),
  baseline: sideSchema,
  replay: sideSchema.unwrap(),
  differences: z.object({
    verdict: z.boolean(),
    labels: z
      .record(z.string(), z.object({ baseline: z.number().int(), replay: z.number().int() }))
      .describe('Only the labels whose counts differ'),
    detectionTexts: z.boolean(),
    texts: z
      .record(z.string(), z.object({ baseline: z.string().nullable(), replay: z.string().nullable() }))
      .describe('Only the text outputs that differ'),
  }),
});

export const compareTotalsSchema = z.object({
  images: z.number().int().describe('Images the replay has runs for'),
  okToNg: z.number().int(),
  ngToOk: z.number().int(),
  unchanged: z.number().int().describe('Same verdict, detections and texts'),
  changed: z.number().int().describe('Other differences (detections, texts, or a verdict to or from none)'),
  missingBaseline: z.number().int().describe('No finished baseline run of the image'),
  pending: z.number().int().describe('The replay run or the baseline run has not finished'),
});

export const comparePageSchema = z.object({
  replayId: z.string(),
  pipelineId: z.string().nullable(),
  targetVersion: z.string().nullable(),
  baselineVersion: z
    .string()
    .nullable()
    .describe('null: each image is compared with its original (non-replay) run'),
  totals: compareTotalsSchema,
  items: z.array(compareItemSchema),
  nextCursor: z.string().nullable(),
});

export type ReplayPublished = z.infer<typeof replayPublishedSchema>;
export type ReplayResponse = z.infer<typeof replaySchema>;
export type CompareSide = NonNullable<z.infer<typeof sideSchema>>;
export type CompareItem = z.infer<typeof compareItemSchema>;
export type CompareTotals = z.infer<typeof compareTotalsSchema>;
export type ComparePage = z.infer<typeof comparePageSchema>;
export type CompareOutcome = (typeof COMPARE_OUTCOMES)[number];
