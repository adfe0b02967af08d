/** Pins (named roots kept in the store) and garbage collection of the simple layout. */
export * from './record.js';
export * from './pins.js';
export * from './gc.js';
export * from './delete-plan.js';
