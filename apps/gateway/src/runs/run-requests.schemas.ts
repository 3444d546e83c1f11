// POST /api/v1/runs: run a pipeline version, or an unsaved draft, on one image (uploaded now, or already stored).
import { z } from '@imageflow/config';
import { captureFieldsSchema } from '../images/ingest.schemas';
import { definitionSchema } from '../pipelines/pipelines.schemas';

export const DRAFT_PIPELINE_ID = 'draft';

const pipelineId = z.string().trim().min(1).max(100);
const version = z.string().trim().min(1).max(200);
const capture = captureFieldsSchema.pick({ cameraId: true, lineId: true, lot: true, serial: true }).partial();

/** What to run: a saved version (pipelineId + version), or a draft definition (optionally under its pipeline's id). */
const oneTarget = (t: {
  pipelineId?: string | undefined;
  version?: string | undefined;
  definition?: unknown;
}) =>
  t.definition !== undefined
    ? t.version === undefined
    : t.pipelineId !== undefined && t.version !== undefined;
const oneTargetIssue = {
  message: 'send pipelineId and version of a saved version, or definition (a draft) — not both',
  path: ['version'],
};

/** The multipart fields next to the `image` file part (definition as a JSON string). */
export const runUploadFieldsSchema = z
  .object({
    pipelineId: pipelineId.optional().describe('With a draft: its id on the run (default "draft")'),
    version: version.optional().describe('A saved version of pipelineId'),
    definition: z
      .string()
      .min(2)
      .transform((text, ctx) => {
        try {
          return JSON.parse(text) as unknown;
        } catch {
          ctx.addIssue({ code: 'custom', message: 'must be the JSON of a PipelineDefinition' });
          return z.NEVER;
        }
      })
      .pipe(definitionSchema)
      .optional(),
    ...capture.shape,
  })
  .strict()
  .refine(oneTarget, oneTargetIssue);

/** The JSON body: rerun an image already stored (by its id, the SHA-256 of its bytes). */
export const runStoredImageSchema = z
  .object({
    imageId: z
      .string()
      .regex(/^[0-9a-f]{64}$/, 'must be the 64 lowercase hex digits of the SHA-256 of the image')
      .describe('An image already stored in raw-images (ingested, or uploaded to a run before)'),
    pipelineId: pipelineId.optional(),
    version: version.optional(),
    definition: definitionSchema
      .optional()
      .describe('An unsaved PipelineDefinition, validated like a new version (422 with located issues)'),
  })
  .strict()
  .refine(oneTarget, oneTargetIssue);

export const runRequestedSchema = z.object({
  runId: z.string().describe('UUIDv7 of the new run; follow it on GET /api/v1/runs/:id or /api/v1/live'),
  imageId: z.string().describe('SHA-256 of the image bytes'),
  pipelineId: z.string().describe('The pipeline id, or "draft" for a draft without one'),
  pipelineVersion: z.string().describe('The version, or for a draft versionIdOf(definition)'),
});

export type RunUploadFields = z.infer<typeof runUploadFieldsSchema>;
export type RunStoredImage = z.infer<typeof runStoredImageSchema>;
export type RunRequested = z.infer<typeof runRequestedSchema>;
