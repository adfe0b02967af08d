export * from './model.js';
export * from './sigil.js';
