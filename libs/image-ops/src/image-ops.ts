import { computeV1 } from '@imageflow/contracts/grpc';
import { decodeImage, DEFAULT_LIMITS, encodeImage, type ImageLimits } from './adapters/sharp.adapter';
import { parseParametersJson } from './core/parameters';
import { PartInputs, type DecodedPortValue, type DecodedValue, type Part } from './core/part';
import { ImageOpError } from './errors/image-op.error';
import { IMAGE_PARTS } from './parts';

const { PortKind } = computeV1;

/** Which PortValue case carries each kind. */
const CASE_OF_KIND: Record<number, NonNullable<computeV1.PortValue['value']>['$case']> = {
  [PortKind.IMAGE]: 'image',
  [PortKind.MASK]: 'image',
  [PortKind.DETECTIONS]: 'detections',
  [PortKind.TEXT]: 'text',
  [PortKind.MEASUREMENTS]: 'measurements',
  [PortKind.JUDGEMENT]: 'judgement',
};

const kindName = (kind: computeV1.PortKind): string => computeV1.PortKind[kind] ?? 'UNRECOGNIZED';

export interface ImageOpsOptions {
  limits?: Partial<ImageLimits>;
  parts?: readonly Part[];
}

/**
 * The part registry: `describe` publishes the catalog, `apply` runs one part on the wire types of the
 * compute API (computeV1.ApplyRequest → ApplyResponse), decoding and encoding images at its borders.
 * In-process callers (benchmarks, tests) use it exactly as the gRPC service does.
 */
export class ImageOps {
  readonly limits: ImageLimits;
  private readonly parts = new Map<string, Part>();

  constructor(options: ImageOpsOptions = {}) {
    this.limits = { ...DEFAULT_LIMITS, ...options.limits };
    for (const part of options.parts ?? IMAGE_PARTS) {
      if (this.parts.has(part.descriptor.id))
        throw new Error(`image-ops: part ${part.descriptor.id} is registered twice`);
      this.parts.set(part.descriptor.id, part);
    }
  }

  describe(): computeV1.PartDescriptor[] {
    return [...this.parts.values()].map((p) => p.descriptor);
  }

  find(partId: string, partVersion = ''): Part {
    const part = this.parts.get(partId);
    if (!part) throw new ImageOpError('UNKNOWN_PART', `unknown part "${partId}"`);
    if (partVersion !== '' && partVersion !== part.descriptor.version) {
      throw new ImageOpError(
        'UNKNOWN_PART',
        `part "${partId}" version ${partVersion} is not available; this service runs version ${part.descriptor.version}`,
      );
    }
    return part;
  }

  async apply(request: computeV1.ApplyRequest): Promise<computeV1.ApplyResponse> {
    const started = performance.now();
    const part = this.find(request.partId, request.partVersion);
    const run = part.bind(parseParametersJson(request.partId, request.parametersJson));

    const inputs = await this.decodeInputs(part.descriptor, request.inputs);
    const decoded = performance.now();
    const outputs = await run(new PartInputs(part.descriptor.id, inputs));
    const computed = performance.now();
    const encoded = await Promise.all(outputs.map((o) => this.encodeOutput(o)));
    const finished = performance.now();

    return {
      outputs: encoded,
      timings: {
        decodeMs: decoded - started,
        computeMs: computed - decoded,
        encodeMs: finished - computed,
        totalMs: finished - started,
      },
    };
  }

  private async decodeInputs(
    descriptor: computeV1.PartDescriptor,
    values: computeV1.PortValue[],
  ): Promise<DecodedPortValue[]> {
    const id = descriptor.id;
    const seen = new Set<string>();
    const checked = values.map((value) => {
      const spec = descriptor.inputs.find((s) => s.name === value.port);
      if (!spec) {
        const names = descriptor.inputs.map((s) => s.name).join(', ') || 'none';
        throw new ImageOpError('INVALID_INPUT', `${id}: unknown input "${value.port}" (inputs: ${names})`);
      }
      if (seen.has(value.port))
        throw new ImageOpError('INVALID_INPUT', `${id}: input "${value.port}" is given twice`);
      seen.add(value.port);
      // An unspecified kind means "as declared"; a different one is a wiring mistake.
      const kind = value.kind === PortKind.UNSPECIFIED ? spec.kind : value.kind;
      if (kind !== spec.kind) {
        throw new ImageOpError(
          'INVALID_INPUT',
          `${id}: input "${value.port}" is ${kindName(kind)}, expected ${kindName(spec.kind)}`,
        );
      }
      if (!value.value || value.value.$case !== CASE_OF_KIND[kind]) {
        throw new ImageOpError(
          'INVALID_INPUT',
          `${id}: input "${value.port}" (${kindName(kind)}) carries no ${CASE_OF_KIND[kind]} value`,
        );
      }
      return { port: value.port, kind, value: value.value };
    });
    for (const spec of descriptor.inputs) {
      if (spec.required && !seen.has(spec.name)) {
        throw new ImageOpError(
          'INVALID_INPUT',
          `${id}: input "${spec.name}" (${kindName(spec.kind)}) is required but was not given`,
        );
      }
    }
    return Promise.all(
      checked.map(async ({ port, kind, value }): Promise<DecodedPortValue> => {
        let decoded: DecodedValue;
        switch (value.$case) {
          case 'image':
            decoded = {
              $case: 'image',
              value: await decodeImage(value.value.data, this.limits, `input "${port}"`),
            };
            break;
          case 'detections':
            decoded = { $case: 'detections', value: value.value.items };
            break;
          case 'measurements':
            decoded = { $case: 'measurements', value: value.value.items };
            break;
          default:
            decoded = value;
        }
        return { port, kind, value: decoded };
      }),
    );
  }

  private async encodeOutput(output: DecodedPortValue): Promise<computeV1.PortValue> {
    const { port, kind, value } = output;
    switch (value.$case) {
      case 'image':
        return { port, kind, value: { $case: 'image', value: await encodeImage(value.value) } };
      case 'detections':
        return { port, kind, value: { $case: 'detections', value: { items: value.value } } };
      case 'measurements':
        return { port, kind, value: { $case: 'measurements', value: { items: value.value } } };
      default:
        return { port, kind, value };
    }
  }
}
