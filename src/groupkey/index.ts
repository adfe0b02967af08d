export * from './model.js';
export * from './secret.js';
export * from './generate.js';
export * from './open.js';
export * from './merge.js';
export * from './dump.js';
export * from './file.js';
export * from './recipients.js';
