import type { EventOf, StepOutput } from '@imageflow/contracts';
import { computeV1 } from '@imageflow/contracts/grpc';
import { describe, expect, it } from 'vitest';
import { classify } from './compute-client.adapter';
import { loadStageWorkerConfig } from './config';
import { fromProtoOutput, StepInputError, toProtoInput } from './port-mapping';
import { stableEventId } from '@imageflow/messaging';
import { status, Metadata, type ServiceError } from '@grpc/grpc-js';

type Input = EventOf<'StepRequested'>['inputs'][number];
const value = (v: Partial<StepOutput> & Pick<StepOutput, 'port' | 'kind'>): StepOutput => ({
  object: null,
  detections: null,
  text: null,
  measurements: null,
  judgement: null,
  ...v,
});

describe('event ↔ compute port mapping', () => {
  it('fetches image inputs by reference and sends their bytes', async () => {
    const fetched: string[] = [];
    const input: Input = {
      port: 'image',
      fromNodeId: null,
      value: value({
        port: 'image',
        kind: 'IMAGE',
        object: {
          bucket: 'raw-images',
          key: 'sha256/ab/x.jpg',
          etag: null,
          size: 3,
          contentType: 'image/jpeg',
          sha256: null,
          width: 4,
          height: 2,
        },
      }),
    };
    const proto = await toProtoInput(input, async (ref) => {
      fetched.push(`${ref.bucket}/${ref.key}`);
      return Buffer.from([1, 2, 3]);
    });
    expect(fetched).toEqual(['raw-images/sha256/ab/x.jpg']);
    expect(proto).toMatchObject({
      port: 'image',
      kind: computeV1.PortKind.IMAGE,
      value: { $case: 'image', value: { contentType: 'image/jpeg', width: 4, height: 2 } },
    });
    expect(proto.value?.$case === 'image' && [...proto.value.value.data]).toEqual([1, 2, 3]);
  });

  it('round-trips detections, text, measurements and judgements without loss', async () => {
    const values: StepOutput[] = [
      value({
        port: 'd',
        kind: 'DETECTIONS',
        detections: [
          { label: 'cat', score: 0.9, x: 1, y: 2, width: 3, height: 4, text: null, classId: 15 },
          { label: 'text', score: 0.8, x: 0, y: 0, width: 9, height: 9, text: 'SN-1', classId: null },
        ],
      }),
      value({ port: 't', kind: 'TEXT', text: 'LOT-42' }),
      value({
        port: 'm',
        kind: 'MEASUREMENTS',
        measurements: [
          { name: 'brightness', value: 0.5, unit: null },
          { name: 'area', value: 120, unit: 'px' },
        ],
      }),
      value({ port: 'j', kind: 'JUDGEMENT', judgement: { verdict: 'NG', reasons: ['no serial'] } }),
    ];
    for (const v of values) {
      const proto = await toProtoInput({ port: v.port, fromNodeId: 'n', value: v }, async () =>
        Buffer.alloc(0),
      );
      const back = await fromProtoOutput(proto, async () => {
        throw new Error('no image expected');
      });
      expect(back).toEqual(v);
    }
  });

  it("stores output images under the caller's key and keeps their dimensions", async () => {
    const out = await fromProtoOutput(
      {
        port: 'image',
        kind: computeV1.PortKind.IMAGE,
        value: {
          $case: 'image',
          value: { data: Buffer.from('png'), contentType: 'image/png', width: 640, height: 360 },
        },
      },
      async (port, image) => ({
        bucket: 'processed-images',
        key: `runs/r/nodes/n/${port}.png`,
        etag: 'e',
        size: image.data.length,
        contentType: image.contentType,
        sha256: null,
        width: image.width,
        height: image.height,
      }),
    );
    expect(out).toMatchObject({
      kind: 'IMAGE',
      object: { key: 'runs/r/nodes/n/image.png', width: 640, height: 360, size: 3 },
    });
  });

  it('refuses an output without a value or a judgement without a verdict', async () => {
    await expect(
      fromProtoOutput({ port: 'x', kind: computeV1.PortKind.TEXT }, async () => ({}) as never),
    ).rejects.toThrow(StepInputError);
    await expect(
      fromProtoOutput(
        {
          port: 'j',
          kind: computeV1.PortKind.JUDGEMENT,
          value: { $case: 'judgement', value: { verdict: computeV1.Verdict.UNSPECIFIED, reasons: [] } },
        },
        async () => ({}) as never,
      ),
    ).rejects.toThrow(/without an OK\/NG verdict/);
  });
});

describe('stableEventId', () => {
  it('is a version-8 UUID, equal for equal parts and different otherwise', () => {
    const a = stableEventId('run-1', 'resize', 'result');
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(stableEventId('run-1', 'resize', 'result')).toBe(a);
    expect(stableEventId('run-1', 'resize', 'started')).not.toBe(a);
    expect(stableEventId('run-1re', 'size', 'result')).not.toBe(a);
  });
});

describe('compute error classification', () => {
  const err = (code: status, details: string): ServiceError =>
    Object.assign(new Error(details), { code, details, metadata: new Metadata() });
  it('keeps bad input permanent and names the reason', () => {
    expect(classify(err(status.INVALID_ARGUMENT, 'CORRUPT_IMAGE: not a JPEG'))).toMatchObject({
      code: 'CORRUPT_IMAGE',
      retryable: false,
    });
    expect(classify(err(status.NOT_FOUND, 'no part pre.nope'))).toMatchObject({
      code: 'UNKNOWN_PART',
      retryable: false,
    });
  });
  it('reads the reason from the imageflow-error-code trailer, and a saturated service is transient', () => {
    const withTrailer = (code: status, details: string, name: string) => {
      const e = err(code, details);
      e.metadata.set('imageflow-error-code', name);
      return e;
    };
    expect(classify(withTrailer(status.INVALID_ARGUMENT, 'not a JPEG', 'CORRUPT_IMAGE'))).toMatchObject({
      code: 'CORRUPT_IMAGE',
      retryable: false,
    });
    expect(classify(withTrailer(status.RESOURCE_EXHAUSTED, 'too big', 'IMAGE_TOO_LARGE'))).toMatchObject({
      code: 'IMAGE_TOO_LARGE',
      retryable: false,
    });
    expect(classify(withTrailer(status.RESOURCE_EXHAUSTED, 'queue full', 'SATURATED'))).toMatchObject({
      code: 'COMPUTE_SATURATED',
      retryable: true,
    });
  });

  it('treats an unreachable or slow service as transient', () => {
    expect(classify(err(status.UNAVAILABLE, 'connect ECONNREFUSED'))).toMatchObject({
      code: 'COMPUTE_UNAVAILABLE',
      retryable: true,
    });
    expect(classify(err(status.DEADLINE_EXCEEDED, 'deadline'))).toMatchObject({
      code: 'TIMEOUT',
      retryable: true,
    });
  });
});

describe('stage worker config', () => {
  it('defaults the compute address and metrics port by stage kind', () => {
    expect(loadStageWorkerConfig({ STAGE_KIND: 'image' })).toMatchObject({
      COMPUTE_ADDRESS: '127.0.0.1:50051',
      METRICS_PORT: 9471,
    });
    expect(loadStageWorkerConfig({ STAGE_KIND: 'ai' })).toMatchObject({
      COMPUTE_ADDRESS: '127.0.0.1:50052',
      METRICS_PORT: 9472,
    });
    expect(loadStageWorkerConfig({ STAGE_KIND: 'ai', METRICS_PORT: '0' }).METRICS_PORT).toBe(0);
    expect(() => loadStageWorkerConfig({ STAGE_KIND: 'ocr' })).toThrow(/COMPUTE_ADDRESS is required/);
    expect(() => loadStageWorkerConfig({})).toThrow(/STAGE_KIND/);
  });
});
