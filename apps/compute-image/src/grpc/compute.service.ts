import { status, type sendUnaryData, type ServerUnaryCall, type ServiceError } from '@grpc/grpc-js';
import { computeV1 } from '@imageflow/contracts/grpc';
import type { ImageOps } from '@imageflow/image-ops';
import type { Logger } from '@imageflow/observability';
import type { ComputeMetrics } from '../metrics/grpc-metrics';
import { ApplyLimiter, SaturatedError } from './apply-limiter';
import { serviceError, toServiceError } from './status-mapping';

export const SERVICE_NAME = 'imageflow.compute.v1.ComputeService';

class CallAbandoned extends Error {
  constructor(readonly code: status) {
    super(
      code === status.CANCELLED
        ? 'the caller cancelled the call'
        : 'the deadline passed while the call waited for a slot',
    );
  }
}

type Unary<Req, Res> = (call: ServerUnaryCall<Req, Res>) => Promise<Res>;

/** Wraps a promise-returning handler: one place for status mapping, metrics and the per-call log line. */
function unary<Req, Res>(
  method: string,
  handler: Unary<Req, Res>,
  deps: { logger: Logger; metrics: ComputeMetrics; describeCall?: (req: Req) => Record<string, unknown> },
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
      deps.metrics.handled.inc(labels);
      deps.metrics.handling.observe(labels, seconds);
      const line = {
        method,
        code: labels.grpc_code,
        ms: Math.round(seconds * 1000 * 10) / 10,
        ...deps.describeCall?.(call.request),
      };
      if (code === status.OK) deps.logger.debug(line, 'call');
      else if (code === status.INTERNAL) deps.logger.error({ ...line, err: error }, 'call failed');
      else deps.logger.info({ ...line, error: (error as Error | undefined)?.message }, 'call refused');
    };
    handler(call).then(
      (response) => {
        finish(status.OK);
        callback(null, response);
      },
      (error: unknown) => {
        let mapped: Partial<ServiceError>;
        if (error instanceof SaturatedError)
          mapped = serviceError(status.RESOURCE_EXHAUSTED, error.message, 'SATURATED');
        else if (error instanceof CallAbandoned)
          mapped = serviceError(error.code, error.message, 'ABANDONED');
        else mapped = toServiceError(error);
        finish(mapped.code ?? status.UNKNOWN, error);
        callback(mapped);
      },
    );
  };
}

export interface ComputeServiceDeps {
  ops: ImageOps;
  limiter: ApplyLimiter;
  logger: Logger;
  metrics: ComputeMetrics;
}

/** The ComputeService implementation for grpc-js (generated service definition in @imageflow/contracts). */
export function createComputeService({
  ops,
  limiter,
  logger,
  metrics,
}: ComputeServiceDeps): computeV1.ComputeServiceServer {
  const catalog: computeV1.DescribeResponse = { service: 'compute-image', parts: ops.describe() };
  const updateGauges = () => {
    metrics.running.set(limiter.stats.running);
    metrics.queued.set(limiter.stats.queued);
  };

  return {
    describe: unary<computeV1.DescribeRequest, computeV1.DescribeResponse>('Describe', async () => catalog, {
      logger,
      metrics,
    }),
    apply: unary<computeV1.ApplyRequest, computeV1.ApplyResponse>(
      'Apply',
      async (call) => {
        const stillWanted = () => {
          updateGauges();
          if (call.cancelled) throw new CallAbandoned(status.CANCELLED);
          const deadline = call.getDeadline();
          const ms = deadline instanceof Date ? deadline.getTime() : deadline;
          if (Number.isFinite(ms) && ms <= Date.now()) throw new CallAbandoned(status.DEADLINE_EXCEEDED);
        };
        try {
          const response = await limiter.run(() => ops.apply(call.request), stillWanted);
          const t = response.timings;
          if (t) {
            metrics.phase.observe({ part: call.request.partId, phase: 'decode' }, t.decodeMs / 1000);
            metrics.phase.observe({ part: call.request.partId, phase: 'compute' }, t.computeMs / 1000);
            metrics.phase.observe({ part: call.request.partId, phase: 'encode' }, t.encodeMs / 1000);
          }
          return response;
        } finally {
          updateGauges();
        }
      },
      {
        logger,
        metrics,
        describeCall: (req) => ({
          part: req.partId,
          version: req.partVersion || undefined,
          inputBytes: req.inputs.reduce(
            (n, i) => n + (i.value?.$case === 'image' ? i.value.value.data.length : 0),
            0,
          ),
        }),
      },
    ),
  };
}
