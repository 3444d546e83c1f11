import { z } from 'zod';
import { InferenceError } from '../errors';

const triple = z.tuple([z.number(), z.number(), z.number()]);
const positive = z.number().int().positive();

/** How an image becomes the model's input tensor size. */
export const resizeSpecSchema = z.discriminatedUnion('mode', [
  /** Scale to exactly width x height (aspect ratio not kept). */
  z.object({ mode: z.literal('stretch'), width: positive, height: positive }),
  /** Keep the aspect ratio, pad to width x height with `padValue` (YOLO style). */
  z.object({
    mode: z.literal('letterbox'),
    width: positive,
    height: positive,
    padValue: z.number().int().min(0).max(255).default(114),
  }),
  /** Keep the aspect ratio, longest side at most `maxSide`, both sides rounded to `multiple` (PP-OCR detection). */
  z.object({ mode: z.literal('limit-side'), maxSide: positive, multiple: positive.default(32) }),
  /**
   * Keep the aspect ratio at a fixed height (text-line models). The width is padded with zeros (after
   * normalisation) to `padWidth`, or up to a multiple of `padWidthMultiple`, so one crop gives the same tensor
   * whether it runs alone or in a batch.
   */
  z.object({
    mode: z.literal('fixed-height'),
    height: positive,
    maxWidth: positive,
    padWidth: positive.optional(),
    padWidthMultiple: positive.optional(),
  }),
]);
export type ResizeSpec = z.infer<typeof resizeSpecSchema>;

export const inputSpecSchema = z.object({
  /** Input tensor name; defaults to the model's first input. */
  name: z.string().min(1).optional(),
  layout: z.enum(['NCHW', 'NHWC']),
  dtype: z.enum(['float32', 'uint8']).default('float32'),
  colorOrder: z.enum(['RGB', 'BGR']).default('RGB'),
  resize: resizeSpecSchema,
  /** float32 inputs: value = (pixel * scale - mean[c]) / std[c], channels in `colorOrder`. */
  scale: z
    .number()
    .positive()
    .default(1 / 255),
  mean: triple.default([0, 0, 0]),
  std: triple.default([1, 1, 1]),
});
export type InputSpec = z.infer<typeof inputSpecSchema>;

const thresholds = {
  scoreThreshold: z.number().min(0).max(1).default(0.25),
  iouThreshold: z.number().min(0).max(1).default(0.45),
  maxDetections: positive.default(100),
};

export const postprocessSchema = z.discriminatedUnion('decoder', [
  /** Ultralytics-style heads: one tensor of boxes and class scores (optionally an objectness column). */
  z.object({
    decoder: z.literal('yolo'),
    output: z.string().optional(),
    /** `anchors-first`: [1, N, 4+(1)+C] (YOLOv5, YOLOX exported decoded); `channels-first`: [1, 4+(1)+C, N] (YOLOv8+). */
    layout: z.enum(['anchors-first', 'channels-first']).default('channels-first'),
    objectness: z.boolean().default(false),
    boxFormat: z.enum(['cxcywh', 'xyxy']).default('cxcywh'),
    ...thresholds,
  }),
  /** YOLOX raw head [1, N, 5+C] with grid offsets and log sizes still to decode over `strides`. */
  z.object({
    decoder: z.literal('yolox'),
    output: z.string().optional(),
    strides: z.array(positive).min(1).default([8, 16, 32]),
    ...thresholds,
  }),
  /** SSD-style outputs: boxes [1, N, 4] plus scores [1, N, C], or scores [1, N] with classes [1, N] (and a count). */
  z.object({
    decoder: z.literal('ssd'),
    boxes: z.string(),
    scores: z.string(),
    classes: z.string().optional(),
    count: z.string().optional(),
    boxFormat: z.enum(['yxyx', 'xyxy']).default('yxyx'),
    /** Boxes in 0..1 of the input (true) or in input pixels (false). */
    normalized: z.boolean().default(true),
    /** Class index to ignore when scores are per class (SSD background). */
    backgroundClass: z.number().int().min(0).optional(),
    ...thresholds,
  }),
  /** Generalized Focal Loss heads (NanoDet): per level, class scores [1, N, C] and box distributions [1, N, 4*(regMax+1)]. */
  z.object({
    decoder: z.literal('gfl'),
    regMax: positive,
    levels: z.array(z.object({ stride: positive, scores: z.string(), boxes: z.string() })).min(1),
    ...thresholds,
  }),
  /** Classification scores [1, C]. */
  z.object({
    decoder: z.literal('softmax'),
    output: z.string().optional(),
    /** Whether the output is logits (true) or already probabilities (false). */
    applySoftmax: z.boolean().default(true),
    topK: positive.default(5),
  }),
  /** Differentiable Binarization text detection (PP-OCR): a probability map [1, 1, H, W]. */
  z.object({
    decoder: z.literal('db'),
    output: z.string().optional(),
    binaryThreshold: z.number().min(0).max(1).default(0.3),
    boxThreshold: z.number().min(0).max(1).default(0.6),
    unclipRatio: z.number().positive().default(1.5),
    minSize: z.number().positive().default(3),
    maxCandidates: positive.default(1000),
  }),
  /** CTC text recognition (PP-OCR): per time step class probabilities [1, T, K]. */
  z.object({
    decoder: z.literal('ctc'),
    output: z.string().optional(),
    /** File next to the model, one character per line. */
    dictionaryFile: z.string().min(1),
    blankIndex: z.number().int().min(0).default(0),
    /** The last class is a space (PP-OCR `use_space_char`). */
    appendSpace: z.boolean().default(true),
  }),
]);
export type PostprocessSpec = z.infer<typeof postprocessSchema>;
export type DecoderName = PostprocessSpec['decoder'];

export const TASKS = ['detection', 'classification', 'text-detection', 'text-recognition'] as const;
export type ModelTask = (typeof TASKS)[number];

const decodersByTask: Record<ModelTask, readonly DecoderName[]> = {
  detection: ['yolo', 'yolox', 'ssd', 'gfl'],
  classification: ['softmax'],
  'text-detection': ['db'],
  'text-recognition': ['ctc'],
};

export const MODEL_ID = /^[a-z0-9][a-z0-9._-]{0,63}$/;
export const MODEL_VERSION = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$/;

export const modelManifestSchema = z
  .object({
    id: z.string().regex(MODEL_ID, 'lowercase letters, digits, ".", "_" and "-"'),
    version: z.string().regex(MODEL_VERSION, 'letters, digits, ".", "_", "+" and "-"'),
    task: z.enum(TASKS),
    title: z.string().optional(),
    /** SPDX id of the weights' licence. */
    license: z.string().optional(),
    /** Where the weights came from. */
    source: z.string().optional(),
    /** The ONNX file, next to the manifest. */
    file: z.string().min(1).default('model.onnx'),
    input: inputSpecSchema,
    /** Class names by class index. */
    labels: z.array(z.string()).optional(),
    postprocess: postprocessSchema,
    /** Upper bound on images per run for this model (1 turns batching off, e.g. for a fixed batch dimension). */
    maxBatchSize: positive.optional(),
  })
  .superRefine((manifest, ctx) => {
    if (!decodersByTask[manifest.task].includes(manifest.postprocess.decoder)) {
      ctx.addIssue({
        code: 'custom',
        path: ['postprocess', 'decoder'],
        message: `decoder "${manifest.postprocess.decoder}" does not fit task "${manifest.task}" (use ${decodersByTask[manifest.task].join(' | ')})`,
      });
    }
    if (
      manifest.input.dtype === 'uint8' &&
      manifest.input.layout === 'NCHW' &&
      manifest.input.resize.mode === 'fixed-height'
    ) {
      ctx.addIssue({ code: 'custom', path: ['input'], message: 'fixed-height text inputs must be float32' });
    }
  });
export type ModelManifest = z.infer<typeof modelManifestSchema>;
export type ModelManifestInput = z.input<typeof modelManifestSchema>;

/** Validates a manifest (parsed JSON or bytes) and names every problem. */
export function parseManifest(raw: unknown, where = 'manifest'): ModelManifest {
  let value = raw;
  if (typeof raw === 'string' || raw instanceof Uint8Array) {
    try {
      value = JSON.parse(typeof raw === 'string' ? raw : Buffer.from(raw).toString('utf8'));
    } catch (error) {
      throw new InferenceError('INVALID_MANIFEST', `${where}: not JSON (${(error as Error).message})`);
    }
  }
  const result = modelManifestSchema.safeParse(value);
  if (!result.success) {
    const problems = result.error.issues
      .map((i) => `${i.path.join('.') || '(manifest)'}: ${i.message}`)
      .join('; ');
    throw new InferenceError('INVALID_MANIFEST', `${where}: ${problems}`);
  }
  return result.data;
}
