/**
 * `fsck` of a store: a simple-layout or S3 store together with its key index (group keys
 * by id), which is part of the store (a corrupt index is a problem, and a repair rebuilds
 * it from the blocks), and {@link checkStoreAt} for any layout.
 */
import { FsBlockStore } from '../store/fs.js';
import { FsKeyIndex } from '../store/fs-key-index.js';
import { detectStoreLayout } from '../store/layout.js';
import { checkNcqStore, type NcqCheckResult } from '../store/ncq3/fsck.js';
import { NcqBlockStore } from '../store/ncq3/store.js';
import { openStore } from '../store/open.js';
import type { S3BlockStore } from '../store/s3/block-store.js';
import { fsckS3, quarantineS3KeyIndex } from '../store/s3/fsck.js';
import { isS3Location } from '../store/s3/layout.js';
import type { S3Connection } from '../store/s3/open.js';
import { fsck, type FsckOptions, type FsckResult } from '../store/fsck.js';
import {
  checkKeyIndex,
  indexGroupKeyTree,
  mayBeGroupKeyTree,
  rebuildKeyIndex,
} from './key-index-rebuild.js';

/** What {@link checkStore} found. */
export interface StoreCheckResult extends FsckResult {
  /** Why the key index is unsound (found before any repair), or null. */
  keyIndexProblem: string | null;
  /** With `repair`: how many group keys the rebuilt index holds. */
  keyIndexRebuilt?: number;
}

/**
 * Checks every block file of the store at `storePath` and its key index; with `repair`,
 * quarantines bad blocks, removes stale temp files and rebuilds the key index (a corrupt
 * one is moved to `quarantine/` first). An unsound index left unrepaired counts in
 * `unrepaired`.
 * @param storePath - the store directory (simple layout)
 * @param opts - repair, progress
 * @returns the block problems, the index's state and what was repaired
 */
export async function checkStore(
  storePath: string,
  opts: FsckOptions = {},
): Promise<StoreCheckResult> {
  const r = await fsck(storePath, opts);
  const keyIndexProblem = await checkKeyIndex(new FsKeyIndex(storePath));
  if (opts.repair) {
    const keyIndexRebuilt = await rebuildKeyIndex(new FsBlockStore(storePath), storePath);
    return { ...r, keyIndexProblem, keyIndexRebuilt };
  }
  return { ...r, keyIndexProblem, unrepaired: r.unrepaired + (keyIndexProblem ? 1 : 0) };
}

/** What {@link checkStoreAt} found, by the layout of the store. */
export type LayoutCheckResult =
  | {
      layout: 'ncq3';
      /** What was found before any repair. */
      found: NcqCheckResult;
      /** The store as it is now (after `repair`; else the same as `found`). */
      now: NcqCheckResult;
    }
  | { layout: 'simple' | 's3'; result: StoreCheckResult };

/** Options of {@link checkStoreAt}. */
export interface CheckStoreAtOptions {
  /** Repair what can be repaired (see {@link checkStoreAt}). */
  repair?: boolean;
  /**
   * Called as the check goes, with the count so far: block files (simple layout), block
   * objects (S3) or verified blocks (NCQ3).
   */
  onFile?: (checked: number) => void;
  /** How to reach the service when `location` is `s3://BUCKET/PREFIX`. */
  s3?: S3Connection;
}

/**
 * Checks every block object of the S3 store at `location` and its key index
 * (`PREFIX/keyindex/`). With `repair`, bad objects are quarantined by server-side copy and
 * the key index is rebuilt: every group key tree among the sound blocks is recorded again
 * (a corrupt index is first moved to `PREFIX/quarantine/keyindex-<ms>/`). An unsound index
 * left unrepaired counts in `unrepaired`.
 * @param location - `s3://BUCKET/PREFIX`
 * @param opts - repair, progress, the S3 connection
 * @returns the block problems, the index's state and what was repaired
 * @throws {@link UsageError} without `opts.s3`
 */
export async function checkS3Store(
  location: string,
  opts: CheckStoreAtOptions = {},
): Promise<StoreCheckResult> {
  const store = await openStore(location, { s3: opts.s3 });
  try {
    const blocks = store.blocks as S3BlockStore;
    const keyIndexProblem = await checkKeyIndex(store.keyIndex);
    // Picked out while the check reads every block anyway: nothing is downloaded twice.
    const groupKeyTrees: Uint8Array[] = [];
    const r = await fsckS3(blocks, {
      repair: opts.repair,
      onFile: opts.onFile,
      onBlock: (hash, block) => {
        if (opts.repair && mayBeGroupKeyTree(block)) groupKeyTrees.push(hash);
      },
    });
    if (!opts.repair)
      return { ...r, keyIndexProblem, unrepaired: r.unrepaired + (keyIndexProblem ? 1 : 0) };
    if (keyIndexProblem) await quarantineS3KeyIndex(blocks);
    let keyIndexRebuilt = 0;
    for (const hash of groupKeyTrees)
      if (await indexGroupKeyTree(blocks, store.keyIndex, hash)) keyIndexRebuilt++;
    return { ...r, keyIndexProblem, keyIndexRebuilt };
  } finally {
    await store.close();
  }
}

/**
 * `fsck` of the store at `location`, whichever layout it holds. NCQ3: every section of
 * every data file read and every block verified, without writing; `repair` then does what
 * hbs2-peer does at its start (torn tails cut, pending files indexed) and what its sweeper
 * does (unlisted and temp files removed), and the store is checked again. Simple layout:
 * {@link checkStore}. S3: {@link checkS3Store} (every block object verified and the key
 * index checked; `repair` quarantines bad objects by server-side copy and rebuilds the index).
 * @param location - the store directory, or `s3://BUCKET/PREFIX` with `opts.s3`
 * @param opts - repair, progress, the S3 connection
 * @returns what was found (and repaired), by layout
 * @throws {@link FormatError} when the store's own files cannot be read as its layout
 */
export async function checkStoreAt(
  location: string,
  opts: CheckStoreAtOptions = {},
): Promise<LayoutCheckResult> {
  if (isS3Location(location)) return { layout: 's3', result: await checkS3Store(location, opts) };
  if ((await detectStoreLayout(location)) !== 'ncq3')
    return { layout: 'simple', result: await checkStore(location, opts) };
  const found = await checkNcqStore(location, { onBlock: opts.onFile });
  if (!opts.repair) return { layout: 'ncq3', found, now: found };
  const ncq = await NcqBlockStore.open(location, { write: true });
  try {
    await ncq.writingSession.sweep();
  } finally {
    await ncq.close();
  }
  return { layout: 'ncq3', found, now: await checkNcqStore(location) };
}
