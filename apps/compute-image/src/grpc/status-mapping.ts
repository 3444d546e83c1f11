import { Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { isImageOpError, type ImageOpErrorCode } from '@imageflow/image-ops';

/** Trailer carrying the precise reason, so a stage worker tells a permanent refusal from a busy service. */
export const ERROR_CODE_TRAILER = 'imageflow-error-code';

const STATUS_OF: Record<ImageOpErrorCode, status> = {
  CORRUPT_IMAGE: status.INVALID_ARGUMENT,
  UNSUPPORTED_FORMAT: status.INVALID_ARGUMENT,
  INVALID_PARAMETERS: status.INVALID_ARGUMENT,
  INVALID_INPUT: status.INVALID_ARGUMENT,
  IMAGE_TOO_LARGE: status.RESOURCE_EXHAUSTED,
  NO_MATCH: status.FAILED_PRECONDITION,
  UNKNOWN_PART: status.NOT_FOUND,
};

export function serviceError(code: status, message: string, reason: string): Partial<ServiceError> {
  const metadata = new Metadata();
  metadata.set(ERROR_CODE_TRAILER, reason);
  return { code, details: message, message, metadata };
}

/** Maps any failure of a handler to a status; unexpected errors become INTERNAL without their stack. */
export function toServiceError(error: unknown): Partial<ServiceError> {
  if (isImageOpError(error)) return serviceError(STATUS_OF[error.code], error.message, error.code);
  return serviceError(
    status.INTERNAL,
    `compute-image: internal error: ${(error as Error)?.message ?? String(error)}`,
    'INTERNAL',
  );
}
