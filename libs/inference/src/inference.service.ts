import { decodeGfl } from './decoders/gfl.decoder';
import { decodeSsd } from './decoders/ssd.decoder';
import { decodeClassification } from './decoders/softmax.decoder';
import type { RawDetection } from './decoders/types';
import { decodeYolo, decodeYolox } from './decoders/yolo.decoder';
import { InferenceError } from './errors';
import {
  planResize,
  toSourceBox,
  toTensor,
  type Box,
  type Geometry,
  type RgbImage,
} from './image/preprocess';
import type { SharpImageAdapter } from './image/sharp.adapter';
import type { ModelTask } from './models/manifest';
import type { LoadedModel, ModelStore } from './models/model-store';
import { numericView, type TensorMap } from './onnx/tensor';
import { decodeCtc } from './ocr/ctc.decoder';
import { decodeDb } from './ocr/db.decoder';

export interface ModelRef {
  model: string;
  /** Empty or missing: the latest published version. */
  version?: string | undefined;
}

export interface Detection {
  label: string;
  classId: number;
  score: number;
  box: Box;
}

export interface Classification {
  label: string;
  classId: number;
  score: number;
}

export interface TextRegion {
  box: Box;
  score: number;
}

export interface TextLine extends TextRegion {
  text: string;
  /** Confidence of the recognised characters. */
  textScore: number;
}

export interface Timings {
  decodeMs: number;
  computeMs: number;
}

interface Result {
  /** `<id>@<version>` that answered. */
  model: string;
  /** The decoded input's size (boxes are in these pixels). */
  imageSize: { width: number; height: number };
  timings: Timings;
}

export interface DetectOptions extends ModelRef {
  scoreThreshold?: number | undefined;
  maxDetections?: number | undefined;
  /** Keep only these labels. */
  labels?: readonly string[] | undefined;
}

export interface OcrOptions {
  recognition: ModelRef;
  /** Optional text-line orientation classifier (labels "0" / "180"); lines it finds upside down are turned. */
  orientation?: ModelRef | undefined;
}

/**
 * The AI parts, in process: bytes in, typed results out. Decoding and cropping go through the sharp adapter,
 * model runs through the store's batched runners; every failure is an InferenceError with a code.
 */
export class InferenceService {
  constructor(
    private readonly store: ModelStore,
    private readonly images: SharpImageAdapter,
  ) {}

  async detect(bytes: Uint8Array, options: DetectOptions): Promise<Result & { detections: Detection[] }> {
    const model = await this.model(options, 'detection');
    const { image, decodeMs } = await this.decode(bytes);
    const started = performance.now();
    const { outputs, geometry } = await this.run(model, image);
    const p = model.manifest.postprocess;
    const thresholds = {
      scoreThreshold: options.scoreThreshold ?? ('scoreThreshold' in p ? p.scoreThreshold : 0.25),
      iouThreshold: 'iouThreshold' in p ? p.iouThreshold : 0.45,
      maxDetections: options.maxDetections ?? ('maxDetections' in p ? p.maxDetections : 100),
    };
    const input = { width: geometry.inputWidth, height: geometry.inputHeight };
    const out = (name: string | undefined) => {
      const tensor = name ? outputs[name] : Object.values(outputs)[0];
      if (!tensor) throw new InferenceError('INVALID_MANIFEST', `${model.ref}: no output ${name ?? ''}`);
      return numericView(tensor);
    };
    let raw: RawDetection[];
    try {
      switch (p.decoder) {
        case 'yolo':
          raw = decodeYolo(out(p.output), { ...p, ...thresholds });
          break;
        case 'yolox':
          raw = decodeYolox(out(p.output), input, { ...p, ...thresholds });
          break;
        case 'ssd':
          raw = decodeSsd(
            {
              boxes: out(p.boxes),
              scores: out(p.scores),
              classes: p.classes ? out(p.classes) : undefined,
              count: p.count ? out(p.count) : undefined,
            },
            input,
            { ...p, ...thresholds },
          );
          break;
        case 'gfl':
          raw = decodeGfl(
            p.levels.map((l) => ({ stride: l.stride, scores: out(l.scores), boxes: out(l.boxes) })),
            input,
            { regMax: p.regMax, ...thresholds },
          );
          break;
        default:
          throw new InferenceError('WRONG_TASK', `${model.ref}: decoder ${p.decoder} cannot detect objects`);
      }
    } catch (error) {
      throw asDecodeError(model, error);
    }
    const labels = model.manifest.labels ?? [];
    let detections = raw.map((d) => ({
      label: labels[d.classId] ?? `class-${d.classId}`,
      classId: d.classId,
      score: d.score,
      box: toSourceBox(d, geometry),
    }));
    if (options.labels?.length) detections = detections.filter((d) => options.labels?.includes(d.label));
    return {
      model: model.ref,
      imageSize: sizeOf(image),
      detections,
      timings: { decodeMs, computeMs: performance.now() - started },
    };
  }

  async classify(
    bytes: Uint8Array,
    options: ModelRef & { topK?: number | undefined },
  ): Promise<Result & { classes: Classification[] }> {
    const model = await this.model(options, 'classification');
    const { image, decodeMs } = await this.decode(bytes);
    const started = performance.now();
    const classes = await this.classifyImage(model, image, options.topK);
    return {
      model: model.ref,
      imageSize: sizeOf(image),
      classes,
      timings: { decodeMs, computeMs: performance.now() - started },
    };
  }

  /** Text regions (axis-aligned), in reading order. */
  async detectText(bytes: Uint8Array, options: ModelRef): Promise<Result & { regions: TextRegion[] }> {
    const model = await this.model(options, 'text-detection');
    const { image, decodeMs } = await this.decode(bytes);
    const started = performance.now();
    const regions = await this.findText(model, image);
    return {
      model: model.ref,
      imageSize: sizeOf(image),
      regions,
      timings: { decodeMs, computeMs: performance.now() - started },
    };
  }

  /**
   * Reads the text in each box (the whole image when no boxes are given). Returns one line per box, in the
   * given order, and all lines joined with newlines.
   */
  async recognizeText(
    bytes: Uint8Array,
    boxes: readonly Box[] | undefined,
    options: OcrOptions,
  ): Promise<Result & { lines: TextLine[]; text: string }> {
    const recognizer = await this.model(options.recognition, 'text-recognition');
    const orientation = options.orientation
      ? await this.model(options.orientation, 'classification')
      : undefined;
    const { image, decodeMs } = await this.decode(bytes);
    const started = performance.now();
    const regions = boxes?.length
      ? boxes.map((box) => ({ box, score: 1 }))
      : [{ box: { x: 0, y: 0, width: image.width, height: image.height }, score: 1 }];
    const lines = await this.readLines(recognizer, orientation, image, regions);
    return {
      model: recognizer.ref,
      imageSize: sizeOf(image),
      lines,
      text: lines.map((l) => l.text).join('\n'),
      timings: { decodeMs, computeMs: performance.now() - started },
    };
  }

  /** Text detection then recognition of every region. */
  async ocr(
    bytes: Uint8Array,
    detection: ModelRef,
    options: OcrOptions,
  ): Promise<Result & { lines: TextLine[]; text: string }> {
    const detector = await this.model(detection, 'text-detection');
    const recognizer = await this.model(options.recognition, 'text-recognition');
    const orientation = options.orientation
      ? await this.model(options.orientation, 'classification')
      : undefined;
    const { image, decodeMs } = await this.decode(bytes);
    const started = performance.now();
    const regions = await this.findText(detector, image);
    const lines = (await this.readLines(recognizer, orientation, image, regions)).filter(
      (l) => l.text.length > 0,
    );
    return {
      model: `${detector.ref}+${recognizer.ref}`,
      imageSize: sizeOf(image),
      lines,
      text: lines.map((l) => l.text).join('\n'),
      timings: { decodeMs, computeMs: performance.now() - started },
    };
  }

  private async model(ref: ModelRef, task: ModelTask): Promise<LoadedModel> {
    const model = await this.store.get(ref.model, ref.version || undefined);
    if (model.manifest.task !== task) {
      throw new InferenceError(
        'WRONG_TASK',
        `model ${model.ref} is a ${model.manifest.task} model, this part needs ${task}`,
      );
    }
    return model;
  }

  private async decode(bytes: Uint8Array): Promise<{ image: RgbImage; decodeMs: number }> {
    const started = performance.now();
    const image = await this.images.decode(bytes);
    return { image, decodeMs: performance.now() - started };
  }

  private async run(
    model: LoadedModel,
    image: RgbImage,
  ): Promise<{ outputs: TensorMap; geometry: Geometry }> {
    const geometry = planResize(model.manifest.input.resize, image);
    const resized = await this.images.resize(image, geometry.contentWidth, geometry.contentHeight);
    const outputs = await model.runner.infer(toTensor(resized, geometry, model.manifest.input));
    return { outputs, geometry };
  }

  private async classifyImage(model: LoadedModel, image: RgbImage, topK?: number): Promise<Classification[]> {
    const p = model.manifest.postprocess;
    if (p.decoder !== 'softmax') throw new InferenceError('WRONG_TASK', `${model.ref}: not a classifier`);
    const { outputs } = await this.run(model, image);
    const tensor = p.output ? outputs[p.output] : Object.values(outputs)[0];
    if (!tensor) throw new InferenceError('INVALID_MANIFEST', `${model.ref}: no output ${p.output ?? ''}`);
    const labels = model.manifest.labels ?? [];
    return decodeClassification(numericView(tensor), {
      applySoftmax: p.applySoftmax,
      topK: topK ?? p.topK,
    }).map((c) => ({
      ...c,
      label: labels[c.classId] ?? `class-${c.classId}`,
    }));
  }

  private async findText(model: LoadedModel, image: RgbImage): Promise<TextRegion[]> {
    const p = model.manifest.postprocess;
    if (p.decoder !== 'db') throw new InferenceError('WRONG_TASK', `${model.ref}: not a text detector`);
    const { outputs, geometry } = await this.run(model, image);
    const map = p.output ? outputs[p.output] : Object.values(outputs)[0];
    if (!map) throw new InferenceError('INVALID_MANIFEST', `${model.ref}: no output ${p.output ?? ''}`);
    try {
      return decodeDb(numericView(map), p).map((b) => ({ box: toSourceBox(b, geometry), score: b.score }));
    } catch (error) {
      throw asDecodeError(model, error);
    }
  }

  private async readLines(
    recognizer: LoadedModel,
    orientation: LoadedModel | undefined,
    image: RgbImage,
    regions: readonly TextRegion[],
  ): Promise<TextLine[]> {
    const p = recognizer.manifest.postprocess;
    if (p.decoder !== 'ctc' || !recognizer.dictionary)
      throw new InferenceError('WRONG_TASK', `${recognizer.ref}: not a text recognizer`);
    const dictionary = recognizer.dictionary;
    // Lines run concurrently so the recognizer's batcher can put them into one batch.
    return Promise.all(
      regions.map(async (region) => {
        let crop = await this.images.crop(image, toCropRect(region.box, image));
        if (orientation) {
          const [top] = await this.classifyImage(orientation, crop, 1);
          if (top?.label === '180' && top.score >= 0.9) crop = await this.images.rotate180(crop);
        }
        const { outputs } = await this.run(recognizer, crop);
        const probs = p.output ? outputs[p.output] : Object.values(outputs)[0];
        if (!probs)
          throw new InferenceError('INVALID_MANIFEST', `${recognizer.ref}: no output ${p.output ?? ''}`);
        let read;
        try {
          read = decodeCtc(numericView(probs), dictionary, p);
        } catch (error) {
          throw asDecodeError(recognizer, error);
        }
        return { ...region, text: read.text.trim(), textScore: read.score };
      }),
    );
  }
}

const sizeOf = (image: RgbImage) => ({ width: image.width, height: image.height });

function toCropRect(box: Box, image: { width: number; height: number }) {
  const left = Math.min(image.width - 1, Math.max(0, Math.floor(box.x)));
  const top = Math.min(image.height - 1, Math.max(0, Math.floor(box.y)));
  const right = Math.min(image.width, Math.max(left + 1, Math.ceil(box.x + box.width)));
  const bottom = Math.min(image.height, Math.max(top + 1, Math.ceil(box.y + box.height)));
  if (!Number.isFinite(box.x + box.y + box.width + box.height) || box.width <= 0 || box.height <= 0) {
    throw new InferenceError('INVALID_ARGUMENT', `text box ${JSON.stringify(box)} is empty`);
  }
  if (box.x >= image.width || box.y >= image.height || box.x + box.width <= 0 || box.y + box.height <= 0) {
    throw new InferenceError(
      'INVALID_ARGUMENT',
      `text box ${JSON.stringify(box)} lies outside the ${image.width}x${image.height} image`,
    );
  }
  return { left, top, width: right - left, height: bottom - top };
}

function asDecodeError(model: LoadedModel, error: unknown): Error {
  if (error instanceof InferenceError) return error;
  return new InferenceError(
    'INVALID_MANIFEST',
    `${model.ref}: outputs do not fit the manifest's decoder: ${(error as Error).message}`,
    { cause: error },
  );
}
