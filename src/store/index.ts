/** Block storage: the BlockStore interface, hbs2's simple and NCQ3 layouts, fsck. */
export type { BlockSink, BlockSource, BlockStore } from './blockstore.js';
export { FsBlockStore, isTempName, type FsBlockStoreOptions } from './fs.js';
export { MemoryBlockStore } from './memory.js';
export { NcqBlockStore, type PendingFile } from './ncq3/store.js';
export {
  detectStoreLayout,
  probeStoreLayout,
  type ReadableBlockStore,
  type StoreLayout,
} from './layout.js';
export {
  openReadableStore,
  openStore,
  type Hbs2Store,
  type OpenStoreOptions,
  type StoreBlocks,
  type StoreRefs,
} from './open.js';
export { BlockBufferPool } from './block-buffers.js';
export { hashOnlySink } from './hash-only.js';
export {
  MAX_BLOCK_SIZE,
  MAX_METADATA_TEXT_BYTES,
  checkBlockSize,
  checkBlockStat,
} from './limits.js';
export {
  fsck,
  type FsckOptions,
  type FsckProblem,
  type FsckProblemKind,
  type FsckResult,
} from './fsck.js';
export {
  HASH_LENGTH,
  equalBytes,
  hashBlock,
  hashToString,
  parseHash,
  verifyBlock,
} from './hash.js';
