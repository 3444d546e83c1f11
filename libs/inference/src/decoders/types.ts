/** A tensor as decoders see it: flat row-major values and their shape. */
export interface TensorView {
  readonly data: ArrayLike<number>;
  readonly dims: readonly number[];
}

/** A box in the model input's pixel space, corners inclusive of x1/y1, exclusive of x2/y2. */
export interface RawDetection {
  classId: number;
  score: number;
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

export interface Size {
  width: number;
  height: number;
}

export interface DetectionThresholds {
  scoreThreshold: number;
  iouThreshold: number;
  maxDetections: number;
}

export function expectDims(name: string, tensor: TensorView, rank: number): void {
  if (tensor.dims.length !== rank) {
    throw new Error(`${name}: expected a rank-${rank} tensor, got [${tensor.dims.join(', ')}]`);
  }
  const size = tensor.dims.reduce((a, b) => a * b, 1);
  if (tensor.data.length !== size)
    throw new Error(`${name}: ${tensor.data.length} values for shape [${tensor.dims.join(', ')}]`);
}
