// The one place the stage worker speaks gRPC: message size limits, deadlines, transient-error retries, latency metrics.
import { credentials, Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { computeV1 } from '@imageflow/contracts/grpc';
import {
  DURATION_BUCKETS,
  grpcClientTracingInterceptor,
  Histogram,
  type Logger,
  type Registry,
} from '@imageflow/observability';

export interface ComputeClientOptions {
  address: string;
  /** Deadline of one Apply call. */
  deadlineMs: number;
  /** Tries of one Apply on UNAVAILABLE / DEADLINE_EXCEEDED before the step fails as retryable. */
  attempts: number;
  initialBackoffMs: number;
  maxMessageBytes: number;
  logger?: Logger;
  metrics?: Registry;
}

/** Why a compute call failed, in the vocabulary of StepFailed. */
export class ComputeCallError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly retryable: boolean,
    readonly grpcCode: number,
  ) {
    super(message);
    this.name = 'ComputeCallError';
  }
}

const TRANSIENT = new Set<number>([status.UNAVAILABLE, status.DEADLINE_EXCEEDED]);
const isSaturated = (error: ServiceError) => error.metadata?.get(ERROR_CODE_TRAILER)[0] === 'SATURATED';

/** Compute services name the reason in the `imageflow-error-code` trailer (e.g. CORRUPT_IMAGE, SATURATED). */
export const ERROR_CODE_TRAILER = 'imageflow-error-code';

export function classify(error: ServiceError): ComputeCallError {
  const detail = error.details || error.message;
  const trailer = error.metadata?.get(ERROR_CODE_TRAILER)[0];
  const named = typeof trailer === 'string' && /^[A-Z][A-Z0-9_]{1,40}$/.test(trailer) ? trailer : undefined;
  // A saturated service asks callers to back off: transient, unlike an image that is too large.
  if (named === 'SATURATED')
    return new ComputeCallError(
      'COMPUTE_SATURATED',
      `compute service saturated: ${detail}`,
      true,
      error.code,
    );
  if (named && error.code !== status.UNAVAILABLE && error.code !== status.DEADLINE_EXCEEDED) {
    const transient = error.code === status.INTERNAL || error.code === status.UNKNOWN;
    return new ComputeCallError(named, detail, transient, error.code);
  }
  switch (error.code) {
    case status.INVALID_ARGUMENT:
    case status.FAILED_PRECONDITION:
      return new ComputeCallError(codeFrom(detail, 'INVALID_INPUT'), detail, false, error.code);
    case status.NOT_FOUND:
      return new ComputeCallError(codeFrom(detail, 'UNKNOWN_PART'), detail, false, error.code);
    case status.RESOURCE_EXHAUSTED:
      return new ComputeCallError(codeFrom(detail, 'IMAGE_TOO_LARGE'), detail, false, error.code);
    case status.UNAVAILABLE:
      return new ComputeCallError(
        'COMPUTE_UNAVAILABLE',
        `compute service unavailable: ${detail}`,
        true,
        error.code,
      );
    case status.DEADLINE_EXCEEDED:
      return new ComputeCallError(
        'TIMEOUT',
        `compute call exceeded its deadline: ${detail}`,
        true,
        error.code,
      );
    default:
      return new ComputeCallError(
        'COMPUTE_ERROR',
        `compute service error (${status[error.code] ?? error.code}): ${detail}`,
        true,
        error.code,
      );
  }
}

/** Compute services may prefix their message with a machine code, e.g. "CORRUPT_IMAGE: …". */
function codeFrom(detail: string, fallback: string): string {
  const match = /^([A-Z][A-Z0-9_]{2,40}):/.exec(detail);
  return match?.[1] ?? fallback;
}

export class ComputeClient {
  private readonly client: computeV1.ComputeServiceClient;
  private readonly latency: Histogram<'method' | 'code'> | undefined;

  constructor(private readonly opts: ComputeClientOptions) {
    this.client = new computeV1.ComputeServiceClient(opts.address, credentials.createInsecure(), {
      'grpc.max_receive_message_length': opts.maxMessageBytes,
      'grpc.max_send_message_length': opts.maxMessageBytes,
      'grpc.keepalive_time_ms': 30_000,
      // Reconnect to a restarted compute service within a second or two, not grpc's default two minutes.
      'grpc.initial_reconnect_backoff_ms': 200,
      'grpc.max_reconnect_backoff_ms': 1_000,
      // A CLIENT span per call; trace context and run/image/node in the metadata.
      interceptors: [grpcClientTracingInterceptor],
    });
    this.latency = opts.metrics
      ? ((opts.metrics.getSingleMetric('imageflow_grpc_client_duration_seconds') as
          Histogram<'method' | 'code'> | undefined) ??
        new Histogram({
          name: 'imageflow_grpc_client_duration_seconds',
          help: 'gRPC client call latency by method and status code',
          labelNames: ['method', 'code'],
          buckets: DURATION_BUCKETS,
          registers: [opts.metrics],
        }))
      : undefined;
  }

  private once<Req, Res>(method: 'apply' | 'describe', request: Req, metadata: Metadata): Promise<Res> {
    const started = process.hrtime.bigint();
    return new Promise<Res>((resolve, reject) => {
      const deadline = new Date(Date.now() + this.opts.deadlineMs);
      const callback = (error: ServiceError | null, response: Res) => {
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        this.latency?.observe({ method, code: status[error?.code ?? status.OK] ?? 'UNKNOWN' }, seconds);
        if (error) reject(error);
        else resolve(response);
      };
      // grpc-js overloads: (request, metadata, options, callback)
      (
        this.client[method] as unknown as (
          r: Req,
          m: Metadata,
          o: { deadline: Date },
          cb: typeof callback,
        ) => void
      ).call(this.client, request, metadata, { deadline }, callback);
    });
  }

  /** Apply with retries on transient errors (exponential backoff); other errors fail at once, classified. */
  async apply(request: computeV1.ApplyRequest, metadata = new Metadata()): Promise<computeV1.ApplyResponse> {
    let lastError: ServiceError | undefined;
    for (let attempt = 1; attempt <= this.opts.attempts; attempt++) {
      try {
        return await this.once<computeV1.ApplyRequest, computeV1.ApplyResponse>('apply', request, metadata);
      } catch (error) {
        const serviceError = error as ServiceError;
        if (
          typeof serviceError.code !== 'number' ||
          !(TRANSIENT.has(serviceError.code) || isSaturated(serviceError))
        ) {
          throw classify(serviceError);
        }
        lastError = serviceError;
        if (attempt < this.opts.attempts) {
          const delay = Math.min(10_000, this.opts.initialBackoffMs * 2 ** (attempt - 1));
          this.opts.logger?.warn(
            { attempt, delay, code: status[serviceError.code] },
            'compute call failed, retrying',
          );
          await new Promise((r) => setTimeout(r, delay));
        }
      }
    }
    const failed = classify(lastError as ServiceError);
    throw new ComputeCallError(
      failed.code,
      `${failed.message} (after ${this.opts.attempts} tries)`,
      true,
      failed.grpcCode,
    );
  }

  describe(): Promise<computeV1.DescribeResponse> {
    return this.once<computeV1.DescribeRequest, computeV1.DescribeResponse>('describe', {}, new Metadata());
  }

  close(): void {
    this.client.close();
  }
}
