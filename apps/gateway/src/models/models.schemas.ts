// Model manifests at the border. @imageflow/inference owns the full manifest schema, but its entry point loads
// onnxruntime-node (and sharp) at import time, which the gateway must not; so the gateway checks the documented
// required fields here (same id/version patterns, tasks and decoders as libs/inference/src/models/manifest.ts) and
// passes every other field through unchanged. compute-ai validates the whole manifest again when it loads the model.
import { z } from '@imageflow/config';

export const MODEL_ID = /^[a-z0-9][a-z0-9._-]{0,63}$/;
export const MODEL_VERSION = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$/;
/** A file name inside a version folder: no path, no leading dot. */
export const MODEL_FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export const MODEL_TASKS = ['detection', 'classification', 'text-detection', 'text-recognition'] as const;

const DECODERS_BY_TASK: Record<(typeof MODEL_TASKS)[number], readonly string[]> = {
  detection: ['yolo', 'yolox', 'ssd', 'gfl'],
  classification: ['softmax'],
  'text-detection': ['db'],
  'text-recognition': ['ctc'],
};
const DECODERS = [...new Set(Object.values(DECODERS_BY_TASK).flat())] as [string, ...string[]];

export const modelIdSchema = z
  .string()
  .regex(MODEL_ID, 'lowercase letters, digits, ".", "_" and "-" (max 64)');
export const modelVersionSchema = z
  .string()
  .regex(MODEL_VERSION, 'letters, digits, ".", "_", "+" and "-" (max 64)');
const fileName = z.string().regex(MODEL_FILE_NAME, 'a plain file name: letters, digits, ".", "_" and "-"');

export const modelManifestSchema = z
  .object({
    id: modelIdSchema,
    version: modelVersionSchema,
    task: z.enum(MODEL_TASKS),
    title: z.string().max(200).optional(),
    license: z.string().max(100).optional(),
    source: z.string().max(1_000).optional(),
    file: fileName.default('model.onnx'),
    input: z
      .object({
        layout: z.enum(['NCHW', 'NHWC']),
        resize: z.object({ mode: z.enum(['stretch', 'letterbox', 'limit-side', 'fixed-height']) }).loose(),
      })
      .loose(),
    labels: z.array(z.string()).optional(),
    postprocess: z.object({ decoder: z.enum(DECODERS), dictionaryFile: fileName.optional() }).loose(),
    maxBatchSize: z.number().int().positive().optional(),
  })
  .loose()
  .superRefine((manifest, ctx) => {
    const fits = DECODERS_BY_TASK[manifest.task];
    if (!fits.includes(manifest.postprocess.decoder)) {
      ctx.addIssue({
        code: 'custom',
        path: ['postprocess', 'decoder'],
        message: `decoder "${manifest.postprocess.decoder}" does not fit task "${manifest.task}" (use ${fits.join(' | ')})`,
      });
    }
    if (manifest.postprocess.decoder === 'ctc' && !manifest.postprocess.dictionaryFile) {
      ctx.addIssue({
        code: 'custom',
        path: ['postprocess', 'dictionaryFile'],
        message: 'the ctc decoder needs a dictionaryFile',
      });
    }
  });

export type ModelManifest = z.infer<typeof modelManifestSchema>;

export const modelVersionEntrySchema = z.object({
  version: z.string(),
  latest: z
    .boolean()
    .describe('The version LATEST points at (what compute-ai runs when no version is pinned)'),
});

export const modelSummarySchema = z.object({
  id: z.string(),
  latest: z.string().nullable().describe('Version in <id>/LATEST; null when none is set'),
  versions: z.array(modelVersionEntrySchema).describe('Oldest first (numeric-aware order)'),
});

export const modelListSchema = z.object({ items: z.array(modelSummarySchema) });

export const modelFileSchema = z.object({ name: z.string(), size: z.number().int() });

export const modelDetailsSchema = z.object({
  id: z.string(),
  latest: z.string().nullable(),
  versions: z.array(
    modelVersionEntrySchema.extend({
      task: z.string().nullable(),
      title: z.string().nullable(),
      license: z.string().nullable(),
      files: z.array(modelFileSchema),
      manifest: z
        .record(z.string(), z.unknown())
        .nullable()
        .describe('manifest.json as published; null if unreadable'),
    }),
  ),
});

export const modelPublishedSchema = z.object({
  id: z.string(),
  version: z.string(),
  latest: z.boolean().describe('Whether LATEST now points at this version'),
  files: z.array(modelFileSchema.extend({ sha256: z.string() })),
});

export type ModelSummary = z.infer<typeof modelSummarySchema>;
export type ModelDetails = z.infer<typeof modelDetailsSchema>;
export type ModelPublished = z.infer<typeof modelPublishedSchema>;
