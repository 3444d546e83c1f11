import { computeV1 } from '@imageflow/contracts/grpc';
import { ImageOpError } from '../errors/image-op.error';
import { compileParameters, type JsonSchema } from './parameters';
import type { RasterImage } from './raster';

export type Detection = computeV1.Detection;
export type Measurement = computeV1.Measurement;
export type Judgement = computeV1.Judgement;
export const { PortKind, Category, Verdict } = computeV1;
export type PortKind = computeV1.PortKind;
export type Category = computeV1.Category;

/** A port value after decoding: images are rasters, everything else is the contract's own type. */
export type DecodedValue =
  | { $case: 'image'; value: RasterImage }
  | { $case: 'detections'; value: Detection[] }
  | { $case: 'text'; value: string }
  | { $case: 'measurements'; value: Measurement[] }
  | { $case: 'judgement'; value: Judgement };

export interface DecodedPortValue {
  port: string;
  kind: PortKind;
  value: DecodedValue;
}

/** The validated inputs of one Apply, by port name. Getters throw INVALID_INPUT for a missing required port. */
export class PartInputs {
  private readonly byPort: Map<string, DecodedPortValue>;

  constructor(
    private readonly partId: string,
    values: DecodedPortValue[],
  ) {
    this.byPort = new Map(values.map((v) => [v.port, v]));
  }

  private missing(port: string): never {
    throw new ImageOpError('INVALID_INPUT', `${this.partId}: input "${port}" is required but was not given`);
  }

  optionalImage(port: string): RasterImage | undefined {
    const v = this.byPort.get(port)?.value;
    return v?.$case === 'image' ? v.value : undefined;
  }
  image(port: string): RasterImage {
    return this.optionalImage(port) ?? this.missing(port);
  }
  optionalDetections(port: string): Detection[] | undefined {
    const v = this.byPort.get(port)?.value;
    return v?.$case === 'detections' ? v.value : undefined;
  }
  detections(port: string): Detection[] {
    return this.optionalDetections(port) ?? this.missing(port);
  }
  optionalText(port: string): string | undefined {
    const v = this.byPort.get(port)?.value;
    return v?.$case === 'text' ? v.value : undefined;
  }
  optionalMeasurements(port: string): Measurement[] | undefined {
    const v = this.byPort.get(port)?.value;
    return v?.$case === 'measurements' ? v.value : undefined;
  }
  optionalJudgement(port: string): Judgement | undefined {
    const v = this.byPort.get(port)?.value;
    return v?.$case === 'judgement' ? v.value : undefined;
  }
}

export const out = {
  image: (port: string, value: RasterImage): DecodedPortValue => ({
    port,
    kind: PortKind.IMAGE,
    value: { $case: 'image', value },
  }),
  mask: (port: string, value: RasterImage): DecodedPortValue => ({
    port,
    kind: PortKind.MASK,
    value: { $case: 'image', value },
  }),
  detections: (port: string, value: Detection[]): DecodedPortValue => ({
    port,
    kind: PortKind.DETECTIONS,
    value: { $case: 'detections', value },
  }),
  text: (port: string, value: string): DecodedPortValue => ({
    port,
    kind: PortKind.TEXT,
    value: { $case: 'text', value },
  }),
  measurements: (port: string, value: Measurement[]): DecodedPortValue => ({
    port,
    kind: PortKind.MEASUREMENTS,
    value: { $case: 'measurements', value },
  }),
  judgement: (port: string, value: Judgement): DecodedPortValue => ({
    port,
    kind: PortKind.JUDGEMENT,
    value: { $case: 'judgement', value },
  }),
};

export interface Localized {
  en: string;
  ja: string;
}

export interface PortDefinition {
  name: string;
  kind: PortKind;
  required: boolean;
  title: Localized;
}

export const port = (name: string, kind: PortKind, required: boolean, title: Localized): PortDefinition => ({
  name,
  kind,
  required,
  title,
});

export interface PartDefinition<P> {
  id: string;
  version: string;
  category: 'pre' | 'post';
  title: Localized;
  description: Localized;
  inputs: PortDefinition[];
  outputs: PortDefinition[];
  /** JSON Schema (draft-07) of the parameters; every optional parameter has a default. */
  parameters: JsonSchema;
  /** Computes on decoded inputs and validated parameters (defaults filled in). */
  run(inputs: PartInputs, params: P): Promise<DecodedPortValue[]>;
}

/**
 * A part as the registry holds it: its published descriptor, and `bind`, which validates raw parameters
 * (throwing INVALID_PARAMETERS, before any image is decoded) and returns the computation to run.
 */
export interface Part {
  readonly descriptor: computeV1.PartDescriptor;
  bind(rawParameters: unknown): (inputs: PartInputs) => Promise<DecodedPortValue[]>;
}

/** Every part of this library runs on the `image` stage worker (compute-image). */
export const STAGE_KIND = 'image';

const toPortSpec = (p: PortDefinition): computeV1.PortSpec => ({
  name: p.name,
  kind: p.kind,
  required: p.required,
  titleEn: p.title.en,
  titleJa: p.title.ja,
});

export function definePart<P>(definition: PartDefinition<P>): Part {
  const schema: JsonSchema = {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: definition.title.en,
    ...definition.parameters,
  };
  const validate = compileParameters<P>(definition.id, schema);
  return {
    descriptor: {
      id: definition.id,
      version: definition.version,
      titleEn: definition.title.en,
      titleJa: definition.title.ja,
      descriptionEn: definition.description.en,
      descriptionJa: definition.description.ja,
      category: definition.category === 'pre' ? Category.PRE : Category.POST,
      stageKind: STAGE_KIND,
      inputs: definition.inputs.map(toPortSpec),
      outputs: definition.outputs.map(toPortSpec),
      parametersSchemaJson: JSON.stringify(schema),
    },
    bind(rawParameters) {
      const params = validate(rawParameters);
      return (inputs) => definition.run(inputs, params);
    },
  };
}

/** The usual single-image-in, single-image-out ports. */
export const IMAGE_IN = port('image', PortKind.IMAGE, true, { en: 'Image', ja: '画像' });
export const IMAGE_OUT = port('image', PortKind.IMAGE, true, { en: 'Image', ja: '画像' });
