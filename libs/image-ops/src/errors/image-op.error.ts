/**
 * Why an operation refused its input. The compute service maps each code onto a gRPC status
 * (see apps/compute-image), so callers can tell a bad image from a bad pipeline from a busy service.
 */
export type ImageOpErrorCode =
  /** The bytes are not a decodable image (truncated, wrong magic, garbage). */
  | 'CORRUPT_IMAGE'
  /** A decodable image in a format this service does not take (SVG, PDF, …). */
  | 'UNSUPPORTED_FORMAT'
  /** Over the byte or pixel limit — also what a decompression bomb looks like. */
  | 'IMAGE_TOO_LARGE'
  /** The parameters do not match the part's JSON Schema, or are inconsistent with the input. */
  | 'INVALID_PARAMETERS'
  /** A required input is missing, or an input has the wrong kind. */
  | 'INVALID_INPUT'
  /** No detection matched where the part needs one (e.g. crop a detection). */
  | 'NO_MATCH'
  /** No part with that id, or not in the requested version. */
  | 'UNKNOWN_PART';

export class ImageOpError extends Error {
  constructor(
    readonly code: ImageOpErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ImageOpError';
  }
}

export const isImageOpError = (error: unknown): error is ImageOpError => error instanceof ImageOpError;
