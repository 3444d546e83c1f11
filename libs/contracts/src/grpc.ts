/**
 * The gRPC compute API (schemas/proto/imageflow/compute/v1): messages, `ComputeServiceService` for servers and
 * `ComputeServiceClient` for clients. A subpath of its own because it pulls in @grpc/grpc-js, which the browser
 * bundle must not: the web imports `@imageflow/contracts` only.
 */
export * as computeV1 from './generated/proto/imageflow/compute/v1/compute';
