import { status, type sendUnaryData, type ServerUnaryCall } from '@grpc/grpc-js';
import { computeV1 } from '@imageflow/contracts/grpc';
import { InferenceError } from '@imageflow/inference';
import type { Logger } from '@imageflow/observability';
import type { AiMetrics } from '../metrics/ai-metrics';
import type { AiPart } from '../parts/ai-parts';
import { PartError, toServiceError } from './status-mapping';

export const SERVICE_NAME = 'imageflow.compute.v1.ComputeService';

export interface ComputeServiceDeps {
  parts: readonly AiPart[];
  logger: Logger;
  metrics: AiMetrics;
  /** Apply calls accepted at once; they wait inside the model batchers, so this bounds memory, not CPU. */
  maxInFlight: number;
}

function parseParameters(partId: string, json: string): unknown {
  if (json.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    throw new InferenceError(
      'INVALID_ARGUMENT',
      `${partId}: parameters_json is not valid JSON (${(error as Error).message})`,
    );
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InferenceError('INVALID_ARGUMENT', `${partId}: parameters_json must be a JSON object`);
  }
  return value;
}

/** The ComputeService implementation for grpc-js (generated service definition in @imageflow/contracts). */
export function createComputeService({ parts, logger, metrics, maxInFlight }: ComputeServiceDeps): {
  implementation: computeV1.ComputeServiceServer;
  inFlight(): number;
} {
  const byId = new Map(parts.map((p) => [p.descriptor.id, p]));
  const catalog: computeV1.DescribeResponse = {
    service: 'compute-ai',
    parts: parts.map((p) => p.descriptor),
  };
  let inFlight = 0;

  function unary<Req, Res>(
    method: string,
    handler: (req: Req) => Promise<Res>,
    describeCall?: (req: Req) => Record<string, unknown>,
  ) {
    return (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>): void => {
      const started = process.hrtime.bigint();
      const finish = (code: status, error?: unknown) => {
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        const labels = {
          grpc_type: 'unary',
          grpc_service: SERVICE_NAME,
          grpc_method: method,
          grpc_code: status[code] ?? String(code),
        };
        metrics.handled.inc(labels);
        metrics.handling.observe(labels, seconds);
        const line = {
          method,
          code: labels.grpc_code,
          ms: Math.round(seconds * 10_000) / 10,
          ...describeCall?.(call.request),
        };
        if (code === status.OK) logger.debug(line, 'call');
        else if (code === status.INTERNAL) logger.error({ ...line, err: error }, 'call failed');
        else logger.info({ ...line, error: (error as Error | undefined)?.message }, 'call refused');
      };
      handler(call.request).then(
        (response) => {
          finish(status.OK);
          callback(null, response);
        },
        (error: unknown) => {
          const mapped = toServiceError(error);
          finish(mapped.code ?? status.UNKNOWN, error);
          callback(mapped);
        },
      );
    };
  }

  const implementation: computeV1.ComputeServiceServer = {
    describe: unary<computeV1.DescribeRequest, computeV1.DescribeResponse>('Describe', async () => catalog),
    apply: unary<computeV1.ApplyRequest, computeV1.ApplyResponse>(
      'Apply',
      async (req) => {
        const part = byId.get(req.partId);
        if (!part)
          throw new PartError(
            'UNKNOWN_PART',
            `unknown part "${req.partId}"; compute-ai runs ${[...byId.keys()].join(', ')}`,
          );
        if (req.partVersion && req.partVersion !== part.descriptor.version) {
          throw new PartError(
            'UNKNOWN_PART',
            `part ${req.partId} version ${req.partVersion} is not served (this service runs ${part.descriptor.version})`,
          );
        }
        if (inFlight >= maxInFlight)
          throw new PartError(
            'SATURATED',
            `compute-ai is saturated (${inFlight} calls in flight); retry later`,
          );
        inFlight++;
        metrics.inFlight.set(inFlight);
        const started = performance.now();
        try {
          const result = await part.apply(req.inputs, parseParameters(req.partId, req.parametersJson));
          metrics.phase.observe({ part: req.partId, phase: 'decode' }, result.decodeMs / 1000);
          metrics.phase.observe({ part: req.partId, phase: 'compute' }, result.computeMs / 1000);
          return {
            outputs: result.outputs,
            timings: {
              decodeMs: result.decodeMs,
              computeMs: result.computeMs,
              encodeMs: 0,
              totalMs: performance.now() - started,
            },
          };
        } finally {
          inFlight--;
          metrics.inFlight.set(inFlight);
        }
      },
      (req) => ({
        part: req.partId,
        version: req.partVersion || undefined,
        inputBytes: req.inputs.reduce(
          (n, i) => n + (i.value?.$case === 'image' ? i.value.value.data.length : 0),
          0,
        ),
      }),
    ),
  };
  return { implementation, inFlight: () => inFlight };
}
