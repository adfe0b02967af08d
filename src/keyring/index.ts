export * from './keyring.js';
export * from './ops.js';
export * from './load.js';
