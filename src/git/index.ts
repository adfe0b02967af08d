/** Encrypted git repositories for a group: records, canonical chain, push and fetch. */
export * from './codec.js';
export * from './chain.js';
export * from './repo.js';
export * from './view.js';
export * from './push.js';
export * from './fetch.js';
export * from './admin.js';
export * from './inspect.js';
export { GitCommandError, withScratchRepo, type GitEnv } from './git-process.js';
export * from './rewrite.js';
export * from './transaction.js';
export * from './signers.js';
export * from './url.js';
export * from './remote-helper.js';
