/**
 * One opener for every store layout: `openStore(location)` gives the blocks and refs of
 * the store at `location`, whichever layout it holds, behind the BlockStore and RefStore
 * interfaces. The layout is decided here and only here (by what is on disk, or by
 * `createFormat` for a store that does not exist yet), so a new kind of location (an
 * `s3://` URL) is one more branch of {@link openStore}.
 */
import * as path from 'node:path';
import { UsageError } from '../errors.js';
import { withLockFile } from '../refs/lock-file.js';
import { listSimpleRefs, type StoredRef } from '../refs/list-simple-refs.js';
import type { RefStore } from '../refs/ref-store.js';
import { SimpleRefStore } from '../refs/simple-ref-store.js';
import type { BlockStore } from './blockstore.js';
import { FsBlockStore, type FsBlockStoreOptions } from './fs.js';
import { probeStoreLayout, type ReadableBlockStore, type StoreLayout } from './layout.js';
import { NcqBlockStore } from './ncq3/store.js';
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
  /**
   * Runs `fn` while no other writer can change the store's refs (gc computes what is live
   * and deletes the rest under it). Not reentrant: `fn` must not call refs writers.
   */
  withExclusive<T>(fn: () => Promise<T>): Promise<T>;
  /** Makes what was written durable and releases the store's files and locks. */
  close(): Promise<void>;
}

/** Options of {@link openStore}. */
export interface OpenStoreOptions {
  /** Open for writing (refused where the layout cannot be written). */
  write?: boolean;
  /** The layout of a store created by this open (default `simple`). */
  createFormat?: StoreLayout;
  /** Options of the simple layout's block files (read buffers, fsync parallelism). */
  simple?: FsBlockStoreOptions;
  /** How to reach the service when `location` is `s3://BUCKET/PREFIX`. */
  s3?: S3Connection;
}

/**
 * Opens the store at `location`. A store that does not exist yet is opened in the
 * `createFormat` layout (its directories appear with its first write).
 * @param location - the store directory
 * @param opts - write access, the layout of a new store
 * @returns the opened store
 * @throws {@link UsageError} when writing is asked of a layout that cannot be written
 */
export async function openStore(location: string, opts: OpenStoreOptions = {}): Promise<Hbs2Store> {
  if (isS3Location(location)) return openS3Store(location, opts.s3);
  const prefix = path.resolve(location);
  const found = await probeStoreLayout(prefix);
  const layout = found ?? opts.createFormat ?? 'simple';
  if (layout === 'ncq3') {
    if (opts.write) throw ncqReadOnly(prefix);
    return openNcqStore(prefix);
  }
  return openSimpleStore(prefix, found === null, opts.simple);
}

/**
 * Opens the store at `location` for reading: its blocks, with the prefix where its key
 * index of group keys lives.
 * @param location - the store directory (or an `s3://` location with `s3`)
 * @param simple - options of the simple layout's files
 * @param s3 - how to reach an S3 store's endpoint, for an `s3://` location
 * @returns the store's blocks for reading
 */
export async function openReadableStore(
  location: string,
  simple: FsBlockStoreOptions = {},
  s3?: S3Connection,
): Promise<ReadableBlockStore> {
  const { location: prefix, blocks } = await openStore(location, { simple, s3 });
  return {
    prefix,
    get: (h) => blocks.get(h),
    getUnverified: blocks.getUnverified && ((h) => blocks.getUnverified!(h)),
    has: (h) => blocks.has(h),
    sizeOf: (h) => blocks.sizeOf(h),
  };
}

/** The error of writing to an NCQ3 store, which this build reads only. */
function ncqReadOnly(prefix: string): UsageError {
  return new UsageError(
    `writing to an NCQ3 store is not supported yet: ${prefix} holds hbs2 0.25's ncq3/ layout`,
    {
      hint: 'cat, deps, metadata dump, fsck (without --repair) and lwwref get read it; other commands need a simple-layout store (-p DIR)',
    },
  );
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
    withExclusive: (fn) => withLockFile(refStore.lockPath, fn),
    close: () => blocks.flush(),
  };
}

/** NCQ3, read-only: every writing method is refused. */
async function openNcqStore(prefix: string): Promise<Hbs2Store> {
  const ncq = await NcqBlockStore.open(prefix);
  const refuse = async (): Promise<never> => {
    throw ncqReadOnly(prefix);
  };
  const blocks: StoreBlocks = {
    get: (h) => ncq.get(h),
    getUnverified: (h) => ncq.getUnverified(h),
    has: (h) => ncq.has(h),
    sizeOf: (h) => ncq.sizeOf(h),
    put: refuse,
    del: refuse,
    // eslint-disable-next-line require-yield
    hashes: async function* () {
      await refuse();
    },
    flush: async () => undefined,
  };
  const refs: StoreRefs = {
    getRef: (k) => ncq.getRef(k),
    updateRef: refuse,
    delRef: refuse,
    // eslint-disable-next-line require-yield
    listRefs: async function* () {
      await refuse();
    },
  };
  return {
    location: ncq.prefix,
    layout: 'ncq3',
    created: false,
    blocks,
    refs,
    withExclusive: refuse,
    close: () => ncq.close(),
  };
}
