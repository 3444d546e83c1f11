import { computeV1 } from '@imageflow/contracts/grpc';
import { z } from '@imageflow/config';
import { InferenceError } from '../errors';
import type { Box } from '../image/preprocess';
import type { InferenceService, ModelRef, TextLine } from '../inference.service';

const { PortKind, Category } = computeV1;

export interface PartResult {
  outputs: computeV1.PortValue[];
  decodeMs: number;
  computeMs: number;
}

export interface AiPart {
  descriptor: computeV1.PartDescriptor;
  apply(inputs: readonly computeV1.PortValue[], parameters: unknown): Promise<PartResult>;
}

const port = (
  name: string,
  kind: computeV1.PortKind,
  required: boolean,
  en: string,
  ja: string,
): computeV1.PortSpec => ({
  name,
  kind,
  required,
  titleEn: en,
  titleJa: ja,
});
const IMAGE_IN = port('image', PortKind.IMAGE, true, 'Image', '画像');
const MODEL_OUT = port('model', PortKind.TEXT, true, 'Model version used', '使用したモデルのバージョン');

const modelVersion = z
  .string()
  .max(64)
  .default('')
  .describe('Model version; empty means the latest published');
const modelParam = (fallback: string, what: string) =>
  z.string().min(1).max(64).default(fallback).describe(`${what} model id (models bucket)`);

/** Parameters are validated with zod, and the same schema is published as JSON Schema in the catalog. */
function parameters<S extends z.ZodObject>(partId: string, schema: S) {
  return {
    jsonSchema: JSON.stringify(z.toJSONSchema(schema, { target: 'draft-7', io: 'input' })),
    parse(raw: unknown): z.infer<S> {
      const result = schema.safeParse(raw ?? {});
      if (!result.success) {
        const problems = result.error.issues
          .map((i) => `${i.path.join('.') || '(parameters)'}: ${i.message}`)
          .join('; ');
        throw new InferenceError('INVALID_ARGUMENT', `${partId}: invalid parameters: ${problems}`);
      }
      return result.data;
    },
  };
}

function imageInput(partId: string, inputs: readonly computeV1.PortValue[]): Buffer {
  const value = inputs.find((i) => i.port === 'image')?.value;
  if (value?.$case !== 'image')
    throw new InferenceError('INVALID_ARGUMENT', `${partId}: input "image" is required but was not given`);
  return value.value.data;
}

const ref = (model: string, version: string): ModelRef => ({ model, version: version || undefined });
const round = (v: number) => Math.round(v * 100) / 100;
const detection = (
  label: string,
  score: number,
  box: Box,
  extra: Partial<computeV1.Detection> = {},
): computeV1.Detection => ({
  label,
  score,
  x: round(box.x),
  y: round(box.y),
  width: round(box.width),
  height: round(box.height),
  ...extra,
});
const detectionsOut = (name: string, items: computeV1.Detection[]): computeV1.PortValue => ({
  port: name,
  kind: PortKind.DETECTIONS,
  value: { $case: 'detections', value: { items } },
});
const textOut = (name: string, text: string): computeV1.PortValue => ({
  port: name,
  kind: PortKind.TEXT,
  value: { $case: 'text', value: text },
});
const linesOut = (lines: TextLine[]) =>
  detectionsOut(
    'detections',
    lines.map((l) => detection('text', l.textScore, l.box, { text: l.text })),
  );

function descriptor(
  id: string,
  title: [string, string],
  description: [string, string],
  inputs: computeV1.PortSpec[],
  outputs: computeV1.PortSpec[],
  parametersSchemaJson: string,
): computeV1.PartDescriptor {
  return {
    id,
    version: '1.0.0',
    titleEn: title[0],
    titleJa: title[1],
    descriptionEn: description[0],
    descriptionJa: description[1],
    category: Category.AI,
    stageKind: 'ai',
    inputs,
    outputs,
    parametersSchemaJson,
  };
}

/** The model each part uses when its parameters name none (compute-ai takes them from its configuration). */
export interface AiPartDefaults {
  detectionModel: string;
  classificationModel: string;
  textDetectionModel: string;
  textRecognitionModel: string;
  textOrientationModel: string;
}

/**
 * The AI parts on the wire types of the compute API (computeV1.PortValue in and out), backed by the inference
 * service: compute-ai serves them over gRPC, benchmarks call them in-process exactly the same way.
 */
export function createAiParts(service: InferenceService, defaults: AiPartDefaults): AiPart[] {
  const detect = parameters(
    'ai.detect',
    z
      .object({
        model: modelParam(defaults.detectionModel, 'Object detection'),
        modelVersion,
        scoreThreshold: z
          .number()
          .min(0)
          .max(1)
          .optional()
          .describe("Minimum score; default: the model manifest's"),
        maxDetections: z.number().int().min(1).max(1000).optional(),
        labels: z.array(z.string()).default([]).describe('Keep only these labels (empty: all)'),
      })
      .strict(),
  );
  const classify = parameters(
    'ai.classify',
    z
      .object({
        model: modelParam(defaults.classificationModel, 'Classification'),
        modelVersion,
        topK: z.number().int().min(1).max(100).default(5),
      })
      .strict(),
  );
  const textDetect = parameters(
    'ai.ocr-detect',
    z.object({ model: modelParam(defaults.textDetectionModel, 'Text detection'), modelVersion }).strict(),
  );
  const orientation = z
    .boolean()
    .default(false)
    .describe('Turn text lines the orientation classifier finds upside down');
  const textRecognize = parameters(
    'ai.ocr-recognize',
    z
      .object({
        model: modelParam(defaults.textRecognitionModel, 'Text recognition'),
        modelVersion,
        correctOrientation: orientation,
        orientationModel: modelParam(defaults.textOrientationModel, 'Text orientation'),
      })
      .strict(),
  );
  const ocr = parameters(
    'ai.ocr',
    z
      .object({
        detectionModel: modelParam(defaults.textDetectionModel, 'Text detection'),
        detectionModelVersion: modelVersion,
        recognitionModel: modelParam(defaults.textRecognitionModel, 'Text recognition'),
        recognitionModelVersion: modelVersion,
        correctOrientation: orientation,
        orientationModel: modelParam(defaults.textOrientationModel, 'Text orientation'),
      })
      .strict(),
  );
  const DETECTIONS_OUT = port('detections', PortKind.DETECTIONS, true, 'Detections', '検出結果');
  const TEXT_OUT = port('text', PortKind.TEXT, true, 'Text (lines joined)', 'テキスト（行を連結）');
  const LINES_OUT = port('detections', PortKind.DETECTIONS, true, 'Text lines', 'テキスト行');

  return [
    {
      descriptor: descriptor(
        'ai.detect',
        ['Object detection', '物体検出'],
        [
          'Finds objects with an ONNX detector (YOLO, YOLOX, SSD or NanoDet outputs) and returns labelled boxes.',
          'ONNX 検出モデルで物体を検出し、ラベル付きの矩形を返します。',
        ],
        [IMAGE_IN],
        [DETECTIONS_OUT, MODEL_OUT],
        detect.jsonSchema,
      ),
      async apply(inputs, raw) {
        const p = detect.parse(raw);
        const r = await service.detect(imageInput('ai.detect', inputs), {
          ...ref(p.model, p.modelVersion),
          scoreThreshold: p.scoreThreshold,
          maxDetections: p.maxDetections,
          labels: p.labels,
        });
        const items = r.detections.map((d) => detection(d.label, d.score, d.box, { classId: d.classId }));
        return { outputs: [detectionsOut('detections', items), textOut('model', r.model)], ...r.timings };
      },
    },
    {
      descriptor: descriptor(
        'ai.classify',
        ['Image classification', '画像分類'],
        [
          'Classifies the whole image; the top classes come as whole-image detections, the best label as text.',
          '画像全体を分類します。上位クラスを検出結果として、最上位ラベルをテキストとして返します。',
        ],
        [IMAGE_IN],
        [
          port('detections', PortKind.DETECTIONS, true, 'Top classes', '上位クラス'),
          port('text', PortKind.TEXT, true, 'Best label', '最上位ラベル'),
          MODEL_OUT,
        ],
        classify.jsonSchema,
      ),
      async apply(inputs, raw) {
        const p = classify.parse(raw);
        const bytes = imageInput('ai.classify', inputs);
        const r = await service.classify(bytes, { ...ref(p.model, p.modelVersion), topK: p.topK });
        const size = r.imageSize;
        const whole = { x: 0, y: 0, width: size.width, height: size.height };
        const items = r.classes.map((c) => detection(c.label, c.score, whole, { classId: c.classId }));
        return {
          outputs: [
            detectionsOut('detections', items),
            textOut('text', r.classes[0]?.label ?? ''),
            textOut('model', r.model),
          ],
          ...r.timings,
        };
      },
    },
    {
      descriptor: descriptor(
        'ai.ocr-detect',
        ['Text detection', '文字領域検出'],
        [
          'Finds text lines (PP-OCR DB detector) and returns their boxes, labelled "text".',
          '文字行（PP-OCR DB）を検出し、その矩形を返します。',
        ],
        [IMAGE_IN],
        [port('detections', PortKind.DETECTIONS, true, 'Text regions', '文字領域'), MODEL_OUT],
        textDetect.jsonSchema,
      ),
      async apply(inputs, raw) {
        const p = textDetect.parse(raw);
        const r = await service.detectText(imageInput('ai.ocr-detect', inputs), ref(p.model, p.modelVersion));
        const items = r.regions.map((t) => detection('text', t.score, t.box));
        return { outputs: [detectionsOut('detections', items), textOut('model', r.model)], ...r.timings };
      },
    },
    {
      descriptor: descriptor(
        'ai.ocr-recognize',
        ['Text recognition', '文字認識'],
        [
          'Reads the text in each given region (the whole image when none are connected): serial and lot numbers.',
          '与えられた各領域（未接続なら画像全体）の文字を読み取ります（シリアル番号・ロット番号など）。',
        ],
        [IMAGE_IN, port('detections', PortKind.DETECTIONS, false, 'Text regions', '文字領域')],
        [LINES_OUT, TEXT_OUT, MODEL_OUT],
        textRecognize.jsonSchema,
      ),
      async apply(inputs, raw) {
        const p = textRecognize.parse(raw);
        const regions = inputs.find((i) => i.port === 'detections')?.value;
        const boxes =
          regions?.$case === 'detections'
            ? regions.value.items.map((d) => ({ x: d.x, y: d.y, width: d.width, height: d.height }))
            : undefined;
        const r = await service.recognizeText(imageInput('ai.ocr-recognize', inputs), boxes, {
          recognition: ref(p.model, p.modelVersion),
          orientation: p.correctOrientation ? ref(p.orientationModel, '') : undefined,
        });
        return {
          outputs: [linesOut(r.lines), textOut('text', r.text), textOut('model', r.model)],
          ...r.timings,
        };
      },
    },
    {
      descriptor: descriptor(
        'ai.ocr',
        ['OCR (detect + read)', 'OCR（検出＋認識）'],
        [
          'Finds text lines and reads them in one step; lines in reading order.',
          '文字行の検出と読み取りを一度に行います。行は読み順です。',
        ],
        [IMAGE_IN],
        [LINES_OUT, TEXT_OUT, MODEL_OUT],
        ocr.jsonSchema,
      ),
      async apply(inputs, raw) {
        const p = ocr.parse(raw);
        const r = await service.ocr(
          imageInput('ai.ocr', inputs),
          ref(p.detectionModel, p.detectionModelVersion),
          {
            recognition: ref(p.recognitionModel, p.recognitionModelVersion),
            orientation: p.correctOrientation ? ref(p.orientationModel, '') : undefined,
          },
        );
        return {
          outputs: [linesOut(r.lines), textOut('text', r.text), textOut('model', r.model)],
          ...r.timings,
        };
      },
    },
  ];
}
