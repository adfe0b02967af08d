export * from './model.js';
export * from './codec.js';
export * from './file.js';
export * from './dsl.js';
export * from './key.js';
export * from './summary.js';
