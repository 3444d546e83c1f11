// The one place the gateway speaks gRPC: Describe of one compute service, with a deadline and message limits.
import { credentials, Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { computeV1 } from '@imageflow/contracts/grpc';
import type { Histogram } from '@imageflow/observability';

export interface ComputeDescribeOptions {
  address: string;
  /** Deadline of one Describe call. */
  deadlineMs: number;
  maxMessageBytes: number;
  /** imageflow_grpc_client_duration_seconds (grpcClientDuration of @imageflow/observability). */
  latency?: Histogram<'method' | 'code'>;
}

/** Why a compute service did not answer, in one readable sentence (gRPC code name first). */
export function describeFailure(error: unknown): string {
  const serviceError = error as Partial<ServiceError>;
  if (typeof serviceError.code === 'number') {
    return `${status[serviceError.code] ?? serviceError.code}: ${serviceError.details || serviceError.message || 'no detail'}`;
  }
  return error instanceof Error ? error.message : String(error);
}

export class ComputeDescribeClient {
  private readonly client: computeV1.ComputeServiceClient;

  constructor(private readonly options: ComputeDescribeOptions) {
    this.client = new computeV1.ComputeServiceClient(options.address, credentials.createInsecure(), {
      'grpc.max_receive_message_length': options.maxMessageBytes,
      'grpc.max_send_message_length': 64 * 1024,
      // A restarted compute service is found again within a second or two, not grpc's default two minutes.
      'grpc.initial_reconnect_backoff_ms': 200,
      'grpc.max_reconnect_backoff_ms': 1_000,
    });
  }

  get address(): string {
    return this.options.address;
  }

  describe(): Promise<computeV1.DescribeResponse> {
    const started = process.hrtime.bigint();
    return new Promise((resolve, reject) => {
      this.client.describe(
        {},
        new Metadata(),
        { deadline: new Date(Date.now() + this.options.deadlineMs) },
        (error: ServiceError | null, response?: computeV1.DescribeResponse) => {
          this.options.latency?.observe(
            { method: 'describe', code: status[error?.code ?? status.OK] ?? 'UNKNOWN' },
            Number(process.hrtime.bigint() - started) / 1e9,
          );
          if (error || !response) reject(error ?? new Error('empty Describe response'));
          else resolve(response);
        },
      );
    });
  }

  close(): void {
    this.client.close();
  }
}
