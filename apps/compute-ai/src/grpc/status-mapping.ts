import { Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { isInferenceError, type InferenceErrorCode } from '@imageflow/inference';

/** Trailer carrying the precise reason (same name as compute-image), so a stage worker can tell permanent from transient. */
export const ERROR_CODE_TRAILER = 'imageflow-error-code';

/** Errors of the service itself, outside the inference library. */
export class PartError extends Error {
  constructor(
    readonly code: 'UNKNOWN_PART' | 'SATURATED',
    message: string,
  ) {
    super(message);
    this.name = 'PartError';
  }
}

const STATUS_OF: Record<InferenceErrorCode, status> = {
  UNKNOWN_MODEL: status.NOT_FOUND,
  WRONG_TASK: status.INVALID_ARGUMENT,
  INVALID_ARGUMENT: status.INVALID_ARGUMENT,
  CORRUPT_IMAGE: status.INVALID_ARGUMENT,
  IMAGE_TOO_LARGE: status.RESOURCE_EXHAUSTED,
  // A broken published model is not the caller's fault and does not heal by retrying.
  INVALID_MANIFEST: status.FAILED_PRECONDITION,
  MODEL_LOAD_FAILED: status.FAILED_PRECONDITION,
  // The object store may come back: callers retry.
  STORE_UNAVAILABLE: status.UNAVAILABLE,
  INFERENCE_FAILED: status.INTERNAL,
};

export function serviceError(code: status, message: string, reason: string): Partial<ServiceError> {
  const metadata = new Metadata();
  metadata.set(ERROR_CODE_TRAILER, reason);
  return { code, details: message, message, metadata };
}

/** Maps any failure of a handler to a status; unexpected errors become INTERNAL without their stack. */
export function toServiceError(error: unknown): Partial<ServiceError> {
  if (isInferenceError(error)) return serviceError(STATUS_OF[error.code], error.message, error.code);
  if (error instanceof PartError) {
    return serviceError(
      error.code === 'UNKNOWN_PART' ? status.NOT_FOUND : status.RESOURCE_EXHAUSTED,
      error.message,
      error.code,
    );
  }
  return serviceError(
    status.INTERNAL,
    `compute-ai: internal error: ${(error as Error)?.message ?? String(error)}`,
    'INTERNAL',
  );
}
