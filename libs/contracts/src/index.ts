export * from './generated/avro-events';
export * from './events';
export * from './topics';
export * from './codec';
