export * from './generated/avro-events';
export * from './events';
export * from './topics';
export * from './codec';
export * from './live';
/** gRPC compute API (schemas/proto/imageflow/compute/v1): messages, ComputeServiceService, ComputeServiceClient. */
export * as computeV1 from './generated/proto/imageflow/compute/v1/compute';
