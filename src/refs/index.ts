/** Signed mutable refs: ref key hashes, SignedBox, LWWRef, ref stores. */
export * from './keys.js';
export * from './signed-box.js';
export * from './lwwref.js';
export * from './ref-store.js';
export { MemoryRefStore } from './memory-ref-store.js';
export { SimpleRefStore, REFS_LOCK_NAME, type SimpleRefStoreOptions } from './simple-ref-store.js';
export { withLockFile, type LockFileOptions } from './lock-file.js';
export * from './lww-store.js';
