import { z } from '@imageflow/config';
import { PAGE_LIMITS } from '@imageflow/persistence';

export const deadLettersQuerySchema = z
  .object({
    topic: z
      .string()
      .trim()
      .min(1)
      .max(249)
      .optional()
      .describe('Only dead letters from this original topic'),
    pending: z
      .enum(['true', 'false'])
      .optional()
      .transform((v) => v === 'true')
      .describe('true: only those never re-driven'),
    limit: z.coerce.number().int().min(1).max(PAGE_LIMITS.max).default(PAGE_LIMITS.default),
    cursor: z.string().min(1).max(1_000).optional(),
  })
  .strict();

export const deadLetterSchema = z.object({
  id: z.string(),
  originalTopic: z.string(),
  originalPartition: z.number().int().nullable(),
  originalOffset: z.string().nullable(),
  consumerGroup: z.string().nullable(),
  key: z.string().nullable().describe('Message key as UTF-8'),
  valueSize: z
    .number()
    .int()
    .describe('Size of the original value in bytes (the bytes themselves are kept for re-drive)'),
  headers: z.record(z.string(), z.string()),
  error: z.string(),
  attempts: z.number().int(),
  failedAt: z.iso.datetime(),
  redrivenAt: z.iso.datetime().nullable(),
  redriveCount: z.number().int(),
});

export const deadLetterPageSchema = z.object({
  items: z.array(deadLetterSchema),
  nextCursor: z.string().nullable(),
});

export const redriveResultSchema = z.object({
  id: z.string(),
  topic: z.string().describe('Where the original bytes and headers were produced again'),
  redriveCount: z.number().int(),
  redrivenAt: z.iso.datetime(),
});
