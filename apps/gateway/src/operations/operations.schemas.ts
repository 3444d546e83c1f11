import { z } from '@imageflow/config';

export const operationsQuerySchema = z
  .object({
    version: z
      .string()
      .trim()
      .min(1)
      .max(200)
      .optional()
      .describe('The version whose nodes are shown; default: the active one (else the newest)'),
  })
  .strict();

const perSecond = z.number().nullable();

export const operationsSchema = z.object({
  pipelineId: z.string(),
  version: z.string(),
  at: z.iso.datetime().describe('When Prometheus was asked'),
  nodes: z.array(
    z.object({
      nodeId: z.string(),
      partId: z.string(),
      stageKind: z.string(),
      throughputPerSec: perSecond.describe(
        'Steps of this part completed per second on its stage (all pipelines; 1 min rate); null: Prometheus down',
      ),
      failedPerSec: perSecond.describe(
        'Steps of this part failed per second (1 min rate); null: Prometheus down',
      ),
      p95Seconds: z
        .number()
        .nullable()
        .describe('95th percentile step time (5 min); null without observations'),
      lagMessages: z
        .number()
        .nullable()
        .describe('Backlog of the stage topic (messages, slowest consumer group); null without a group'),
      lagSeconds: z
        .number()
        .nullable()
        .describe(
          'That backlog at the stage’s current rate, seconds; null while the stage processes nothing',
        ),
    }),
  ),
  prometheus: z.object({
    ok: z.boolean(),
    error: z.string().nullable().describe('Why the numbers are missing, when ok is false'),
  }),
});

export type OperationsResponse = z.infer<typeof operationsSchema>;
