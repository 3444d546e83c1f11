// Pure translation between the event log's StepOutput (Avro) and the compute API's PortValue (protobuf).
// Images travel as object references in events and as bytes over gRPC; everything else maps field by field.
import type { Detection, EventOf, PortKind, StepOutput } from '@imageflow/contracts';
import { computeV1 } from '@imageflow/contracts/grpc';

type ProtoPortValue = computeV1.PortValue;
type ProtoKind = computeV1.PortKind;

const TO_PROTO: Record<PortKind, ProtoKind> = {
  IMAGE: computeV1.PortKind.IMAGE,
  DETECTIONS: computeV1.PortKind.DETECTIONS,
  MASK: computeV1.PortKind.MASK,
  TEXT: computeV1.PortKind.TEXT,
  MEASUREMENTS: computeV1.PortKind.MEASUREMENTS,
  JUDGEMENT: computeV1.PortKind.JUDGEMENT,
};

export function kindFromProto(kind: ProtoKind): PortKind {
  const found = (Object.keys(TO_PROTO) as PortKind[]).find((k) => TO_PROTO[k] === kind);
  if (!found)
    throw new StepInputError('BAD_OUTPUT', `compute service returned an unknown port kind ${String(kind)}`);
  return found;
}

/** A problem with what the step was given or what the compute service gave back: never worth a retry. */
export class StepInputError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'StepInputError';
  }
}

/** The image bytes a step input needs, fetched by the caller from the object store. */
export type FetchImage = (ref: NonNullable<StepOutput['object']>) => Promise<Buffer>;

export async function toProtoInput(
  input: EventOf<'StepRequested'>['inputs'][number],
  fetchImage: FetchImage,
): Promise<ProtoPortValue> {
  const v = input.value;
  const base = { port: input.port, kind: TO_PROTO[v.kind] };
  switch (v.kind) {
    case 'IMAGE':
    case 'MASK': {
      if (!v.object)
        throw new StepInputError('MISSING_INPUT', `input "${input.port}" has no image reference`);
      const data = await fetchImage(v.object);
      return {
        ...base,
        value: {
          $case: 'image',
          value: {
            data,
            contentType: v.object.contentType,
            width: v.object.width ?? 0,
            height: v.object.height ?? 0,
          },
        },
      };
    }
    case 'DETECTIONS':
      return {
        ...base,
        value: {
          $case: 'detections',
          value: {
            items: (v.detections ?? []).map((d) => ({
              label: d.label,
              score: d.score,
              x: d.x,
              y: d.y,
              width: d.width,
              height: d.height,
              ...(d.text !== null ? { text: d.text } : {}),
              ...(d.classId !== null ? { classId: d.classId } : {}),
            })),
          },
        },
      };
    case 'TEXT':
      return { ...base, value: { $case: 'text', value: v.text ?? '' } };
    case 'MEASUREMENTS':
      return {
        ...base,
        value: {
          $case: 'measurements',
          value: {
            items: (v.measurements ?? []).map((m) => ({
              name: m.name,
              value: m.value,
              ...(m.unit !== null ? { unit: m.unit } : {}),
            })),
          },
        },
      };
    case 'JUDGEMENT':
      if (!v.judgement) throw new StepInputError('MISSING_INPUT', `input "${input.port}" has no judgement`);
      return {
        ...base,
        value: {
          $case: 'judgement',
          value: {
            verdict: v.judgement.verdict === 'OK' ? computeV1.Verdict.OK : computeV1.Verdict.NG,
            reasons: v.judgement.reasons,
          },
        },
      };
  }
}

const emptyOutput = (port: string, kind: PortKind): StepOutput => ({
  port,
  kind,
  object: null,
  detections: null,
  text: null,
  measurements: null,
  judgement: null,
});

/** Stores an output image and returns its reference (the caller picks a deterministic key). */
export type StoreImage = (
  port: string,
  image: { data: Buffer; contentType: string; width: number; height: number },
) => Promise<NonNullable<StepOutput['object']>>;

export async function fromProtoOutput(value: ProtoPortValue, storeImage: StoreImage): Promise<StepOutput> {
  const kind = kindFromProto(value.kind);
  const out = emptyOutput(value.port, kind);
  const v = value.value;
  if (!v)
    throw new StepInputError('BAD_OUTPUT', `compute service returned output "${value.port}" without a value`);
  switch (v.$case) {
    case 'image':
      out.object = await storeImage(value.port, {
        data: Buffer.from(v.value.data),
        contentType: v.value.contentType,
        width: v.value.width,
        height: v.value.height,
      });
      break;
    case 'detections':
      out.detections = v.value.items.map((d): Detection => ({
        label: d.label,
        score: d.score,
        x: d.x,
        y: d.y,
        width: d.width,
        height: d.height,
        text: d.text ?? null,
        classId: d.classId ?? null,
      }));
      break;
    case 'text':
      out.text = v.value;
      break;
    case 'measurements':
      out.measurements = v.value.items.map((m) => ({ name: m.name, value: m.value, unit: m.unit ?? null }));
      break;
    case 'judgement':
      if (v.value.verdict !== computeV1.Verdict.OK && v.value.verdict !== computeV1.Verdict.NG) {
        throw new StepInputError('BAD_OUTPUT', `output "${value.port}": judgement without an OK/NG verdict`);
      }
      out.judgement = {
        verdict: v.value.verdict === computeV1.Verdict.OK ? 'OK' : 'NG',
        reasons: v.value.reasons,
      };
      break;
  }
  return out;
}
