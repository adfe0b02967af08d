/**
 * One opener for every store layout: `openStore(location)` gives the blocks and refs of
 * the store at `location`, whichever layout it holds, behind the BlockStore and RefStore
 * interfaces. The layout is decided here and only here (by what is on disk, or by
 * `createFormat` for a store that does not exist yet), so a new kind of location (an
 * `s3://` URL) is one more branch of {@link openStore}.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { withLockFile } from '../refs/lock-file.js';
import { listSimpleRefs, type StoredRef } from '../refs/list-simple-refs.js';
import type { RefStore } from '../refs/ref-store.js';
import { SimpleRefStore } from '../refs/simple-ref-store.js';
import type { BlockStore } from './blockstore.js';
import { FsBlockStore, type FsBlockStoreOptions } from './fs.js';
import { FsKeyIndex } from './fs-key-index.js';
import type { KeyIndex } from './key-index.js';
import { probeStoreLayout, type ReadableBlockStore, type StoreLayout } from './layout.js';
import { compactNcqStore, type CompactResult } from './ncq3/compact.js';
import { NcqBlockStore, type NcqBlockStoreOptions } from './ncq3/store.js';
import { isS3Location } from './s3/layout.js';
import { openS3Store, type S3Connection } from './s3/open.js';

/** The blocks of an opened store. */
export interface StoreBlocks extends BlockStore {
  /** A block's size in bytes without reading it; null when absent. */
  sizeOf(hash: Uint8Array): Promise<number | null>;
  /**
   * When the block was last written (ms since the epoch), or null when absent. Only
   * layouts whose writers do not exclude each other have it: gc keeps what a concurrent
   * command has just written.
   */
  modifiedAt?(hash: Uint8Array): Promise<number | null>;
}

/** The refs of an opened store. */
export interface StoreRefs extends RefStore {
  /** Every ref with its value, for whole-store walks (pin listing, gc). */
  listRefs(): AsyncIterable<StoredRef>;
}

/** An opened store: its blocks and refs, in whichever layout it holds. */
export interface Hbs2Store {
  /** Where the store is (an absolute directory for the file layouts, or `s3://…`). */
  readonly location: string;
  /** The layout found on disk (or created). */
  readonly layout: StoreLayout;
  /** True when this open created the store (nothing was there before). */
  readonly created: boolean;
  readonly blocks: StoreBlocks;
  readonly refs: StoreRefs;
  /** The store's index of group keys by id (files in `keyindex/`, or objects on S3). */
  readonly keyIndex: KeyIndex;
  /**
   * Runs `fn` while no other writer can change the store's refs (gc computes what is live
   * and deletes the rest under it). Not reentrant: `fn` must not call refs writers.
   */
  withExclusive<T>(fn: () => Promise<T>): Promise<T>;
  /**
   * Reclaims the space of deleted and overwritten blocks where deletion only marks them
   * (NCQ3 tombstones): rewrites the data files holding them and merges the indexes.
   * Absent where deleting a block frees its space at once (the simple layout).
   */
  compact?(): Promise<CompactResult>;
  /** Makes what was written durable and releases the store's files and locks. */
  close(): Promise<void>;
}

/** Options of {@link openStore}. */
export interface OpenStoreOptions {
  /** Open for writing (refused where the layout cannot be written). */
  write?: boolean;
  /** The layout of a store created by this open (default `ncq3`, as hbs2 0.25 does). */
  createFormat?: StoreLayout;
  /** Options of the simple layout's block files (read buffers, fsync parallelism). */
  simple?: FsBlockStoreOptions;
  /** Options of NCQ3 stores' reads (the pool blocks are read into). */
  ncq3?: NcqReadOptions;
  /** How to reach the service when `location` is `s3://BUCKET/PREFIX`. */
  s3?: S3Connection;
}

/** How an NCQ3 store reads blocks. */
export type NcqReadOptions = Pick<NcqBlockStoreOptions, 'readBuffers'>;

/**
 * Opens the store at `location`. A store that does not exist yet is opened in the
 * `createFormat` layout (an NCQ3 store is created by opening it for writing; the simple
 * layout's directories appear with its first write).
 * @param location - the store directory
 * @param opts - write access, the layout of a new store
 * @returns the opened store
 * @throws {@link UsageError} when writing is asked of a layout that cannot be written
 */
export async function openStore(location: string, opts: OpenStoreOptions = {}): Promise<Hbs2Store> {
  if (isS3Location(location)) return openS3Store(location, opts.s3);
  const prefix = path.resolve(location);
  const found = await probeStoreLayout(prefix);
  const layout = found ?? opts.createFormat ?? 'ncq3';
  if (layout === 'ncq3') {
    const write = opts.write ?? false;
    return openNcqStore(prefix, { ...opts.ncq3, write }, write && found === null);
  }
  return openSimpleStore(prefix, found === null, opts.simple);
}

/**
 * Opens the store at `location` for reading: its blocks, with the prefix where its key
 * index of group keys lives.
 * @param location - the store directory (or an `s3://` location with `s3`)
 * @param simple - options of the simple layout's files
 * @param s3 - how to reach an S3 store's endpoint, for an `s3://` location
 * @param ncq3 - options of NCQ3 reads (a block buffer pool to read into)
 * @returns the store's blocks for reading
 */
export async function openReadableStore(
  location: string,
  simple: FsBlockStoreOptions = {},
  s3?: S3Connection,
  ncq3: NcqReadOptions = {},
): Promise<ReadableBlockStore> {
  const { location: prefix, blocks, keyIndex } = await openStore(location, { simple, ncq3, s3 });
  return {
    prefix,
    keyIndex,
    get: (h) => blocks.get(h),
    getUnverified: blocks.getUnverified && ((h) => blocks.getUnverified!(h)),
    has: (h) => blocks.has(h),
    sizeOf: (h) => blocks.sizeOf(h),
  };
}

/** The simple layout: FsBlockStore and SimpleRefStore, gc under the refs lock file. */
function openSimpleStore(
  prefix: string,
  created: boolean,
  options: FsBlockStoreOptions = {},
): Hbs2Store {
  const blocks = new FsBlockStore(prefix, options);
  const refStore = new SimpleRefStore(prefix);
  const refs: StoreRefs = Object.assign(refStore, { listRefs: () => listSimpleRefs(refStore) });
  return {
    location: prefix,
    layout: 'simple',
    created,
    blocks,
    refs,
    keyIndex: new FsKeyIndex(prefix),
    withExclusive: (fn) => withLockFile(refStore.lockPath, fn),
    close: () => blocks.flush(),
  };
}

/**
 * NCQ3: opened for writing, the store holds hbs2's lock until it is closed, so it is
 * already exclusive (and a concurrent writer fails at once instead of waiting).
 */
async function openNcqStore(
  prefix: string,
  opts: NcqBlockStoreOptions,
  created: boolean,
): Promise<Hbs2Store> {
  const ncq = await NcqBlockStore.open(prefix, opts);
  return {
    location: ncq.prefix,
    layout: 'ncq3',
    created,
    blocks: ncq,
    refs: ncq,
    keyIndex: new FsKeyIndex(ncq.prefix),
    withExclusive: (fn) => fn(),
    compact: () => compactNcqStore(ncq),
    close: () => ncq.close(),
  };
}

/**
 * Creates the directories of `store`'s layout without writing anything (hbs2 0.24's
 * `store --init`): the simple layout's `blocks/` and its 58 subdirectories; for NCQ3 the
 * directory hbs2-peer itself creates on start (`ncq3/0`). Nothing to do on S3.
 * @param store - a store opened for writing
 */
export async function initStoreDirectories(store: Hbs2Store): Promise<void> {
  if (store.blocks instanceof FsBlockStore) await store.blocks.init();
  else if (store.layout === 'ncq3')
    await fs.mkdir(path.join(store.location, 'ncq3', '0'), { recursive: true });
}
