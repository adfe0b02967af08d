export * from './cbor.js';
export * from './hbs2.js';
export * from './base58.js';
export * from './armor.js';
export * from './hex.js';
export * from './file-kind.js';
