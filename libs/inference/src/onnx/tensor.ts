/** A tensor handed to or returned by the ONNX adapter, independent of onnxruntime's classes. */
export type TensorData =
  | { type: 'float32'; data: Float32Array; dims: number[] }
  | { type: 'uint8'; data: Uint8Array; dims: number[] }
  | { type: 'int64'; data: BigInt64Array; dims: number[] }
  | { type: 'int32'; data: Int32Array; dims: number[] };

export type TensorMap = Record<string, TensorData>;

export const tensorSize = (dims: readonly number[]): number => dims.reduce((a, b) => a * b, 1);

/** Stacks tensors of identical shape [1, ...] into one [n, ...]. */
export function concatBatch(tensors: readonly TensorData[]): TensorData {
  const first = tensors[0];
  if (!first) throw new Error('concatBatch: no tensors');
  const itemDims = first.dims.slice(1);
  const itemSize = tensorSize(itemDims);
  const dims = [tensors.length, ...itemDims];
  const make = <A extends Float32Array | Uint8Array | BigInt64Array | Int32Array>(out: A): A => {
    tensors.forEach((t, i) => {
      if (t.type !== first.type || t.dims.join() !== first.dims.join())
        throw new Error('concatBatch: shapes differ');
      (out as unknown as { set(a: ArrayLike<unknown>, o: number): void }).set(
        t.data as ArrayLike<unknown>,
        i * itemSize,
      );
    });
    return out;
  };
  switch (first.type) {
    case 'float32':
      return { type: 'float32', data: make(new Float32Array(itemSize * tensors.length)), dims };
    case 'uint8':
      return { type: 'uint8', data: make(new Uint8Array(itemSize * tensors.length)), dims };
    case 'int64':
      return { type: 'int64', data: make(new BigInt64Array(itemSize * tensors.length)), dims };
    case 'int32':
      return { type: 'int32', data: make(new Int32Array(itemSize * tensors.length)), dims };
  }
}

/** Splits a batched output [n, ...] back into n tensors [1, ...]. */
export function splitBatch(tensor: TensorData, count: number): TensorData[] {
  const total = tensor.dims[0] ?? 0;
  if (total !== count) throw new Error(`splitBatch: output batch dimension ${total}, expected ${count}`);
  const itemDims = [1, ...tensor.dims.slice(1)];
  const itemSize = tensorSize(itemDims);
  return Array.from({ length: count }, (_, i) => {
    const start = i * itemSize;
    switch (tensor.type) {
      case 'float32':
        return { type: 'float32', data: tensor.data.slice(start, start + itemSize), dims: itemDims };
      case 'uint8':
        return { type: 'uint8', data: tensor.data.slice(start, start + itemSize), dims: itemDims };
      case 'int64':
        return { type: 'int64', data: tensor.data.slice(start, start + itemSize), dims: itemDims };
      case 'int32':
        return { type: 'int32', data: tensor.data.slice(start, start + itemSize), dims: itemDims };
    }
  });
}

/** Numeric view of any tensor for decoders (int64 converted). */
export function numericView(tensor: TensorData): { data: ArrayLike<number>; dims: number[] } {
  return tensor.type === 'int64' ? { data: Array.from(tensor.data, Number), dims: tensor.dims } : tensor;
}
