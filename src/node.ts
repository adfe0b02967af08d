/**
 * hbs2-toolkit for Node: everything in the portable API plus hbs2's on-disk stores (the
 * simple one-file-per-block layout and NCQ3), file-system refs and key index, fsck, pins
 * and gc, the config file, keyring files, the worker pool and the libsodium backend.
 *
 * The crypto backend is the portable one until {@link selectCrypto} (or
 * {@link preferNativeCrypto}) picks libsodium.
 * @packageDocumentation
 */
export * from './index.js';

// Cryptography backend
export { loadNativeCrypto, preferNativeCrypto, selectCrypto } from './crypto/select.js';

// Stores on disk
export { FsBlockStore, type FsBlockStoreOptions } from './store/fs.js';
export { NcqBlockStore } from './store/ncq3/store.js';
export { detectStoreLayout, type ReadableBlockStore, type StoreLayout } from './store/layout.js';
export {
  initStoreDirectories,
  openReadableStore,
  openStore,
  type Hbs2Store,
  type OpenStoreOptions,
  type StoreBlocks,
  type StoreRefs,
} from './store/open.js';
export { SimpleRefStore, type SimpleRefStoreOptions } from './refs/simple-ref-store.js';
export { FsKeyIndex } from './store/fs-key-index.js';
export {
  fsck,
  type FsckOptions,
  type FsckProblem,
  type FsckProblemKind,
  type FsckResult,
} from './store/fsck.js';
export {
  checkStore,
  checkStoreAt,
  type CheckStoreAtOptions,
  type LayoutCheckResult,
  type StoreCheckResult,
} from './rotate/store-check.js';
export type { NcqCheckResult, NcqProblem, NcqProblemKind } from './store/ncq3/fsck.js';
export {
  addPin,
  findPin,
  listPins,
  removePins,
  type FoundPin,
  type PinAdded,
  type PinStores,
} from './pins/pins.js';
export { summarizePin, type PinRecord, type PinSummary } from './pins/record.js';
export { gc, type GcOptions, type GcResult } from './pins/gc.js';
export {
  deleteBlocks,
  planDelete,
  type DeletePlan,
  type DeletePlanOptions,
  type DeleteResult,
  type KeptGroupKey,
} from './pins/delete-plan.js';

// Files
export {
  findKeyringFiles,
  loadKeyrings,
  readKeyringFile,
  type LoadedKeyring,
} from './keyring/load.js';
export { groupKeyFilesListing } from './groupkey/files-listing.js';
export { readGroupKeyFile } from './groupkey/load.js';
export { autoMetadata, detectMimeType } from './ops/auto-metadata.js';
export { loadConfig, readConfigFile, type ToolkitConfig } from './config/config.js';

// Block work in worker threads
export { inlineRunner, runnerFor, workerPool } from './parallel/pool.js';
