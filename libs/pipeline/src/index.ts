export * from './definition';
export * from './canonical';
export * from './validate';
export * from './run-reducer';
