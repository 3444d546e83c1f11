export * from './hashing';
export * from './keys';
export * from './object-store.adapter';
