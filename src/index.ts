/**
 * The public library API of the hbs2 toolkit, re-exported by module in layering order
 * (DESIGN.md): errors → codec → crypto → keyring/groupkey → store → tree/refs → acb/sigil →
 * rotate, plus the config reader and the parallel block runner. Nothing here prints,
 * exits or reads environment variables; the `hbs2` CLI is built on these.
 */
export * from './errors.js';
export * from './codec/index.js';
export * from './crypto/index.js';
export * from './keyring/index.js';
export * from './config/config.js';
export * from './groupkey/index.js';
export * from './store/index.js';
export * from './tree/index.js';
export * from './tree/encrypt.js';
export * from './refs/index.js';
export * from './acb/index.js';
export * from './sigil/index.js';
export * from './rotate/key-index.js';
export * from './rotate/update.js';
export * from './parallel/pool.js';
