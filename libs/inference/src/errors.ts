/** Why an inference request failed. Callers map these to transport status codes (gRPC, HTTP). */
export type InferenceErrorCode =
  /** No model with that id (or that version) is published. */
  | 'UNKNOWN_MODEL'
  /** The model exists but its task does not fit the request (e.g. a classifier asked to detect). */
  | 'WRONG_TASK'
  /** The manifest does not validate, or refers to files or tensors the model does not have. */
  | 'INVALID_MANIFEST'
  /** The model file could not be loaded by onnxruntime. */
  | 'MODEL_LOAD_FAILED'
  /** The bytes are not a decodable image. */
  | 'CORRUPT_IMAGE'
  /** The image is larger than the configured pixel limit. */
  | 'IMAGE_TOO_LARGE'
  /** Bad request parameters (e.g. a box outside the image). */
  | 'INVALID_ARGUMENT'
  /** The model store could not be reached. */
  | 'STORE_UNAVAILABLE'
  /** onnxruntime failed while running the model. */
  | 'INFERENCE_FAILED';

export class InferenceError extends Error {
  constructor(
    readonly code: InferenceErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'InferenceError';
  }
}

export const isInferenceError = (error: unknown, code?: InferenceErrorCode): error is InferenceError =>
  error instanceof InferenceError && (code === undefined || error.code === code);
