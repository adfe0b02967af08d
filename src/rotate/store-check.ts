/**
 * `fsck` of a simple-layout store together with its key index (group keys by id), which
 * is part of the store: a corrupt index is a problem, and a repair rebuilds it from the
 * blocks.
 */
import { FsBlockStore } from '../store/fs.js';
import { fsck, type FsckOptions, type FsckResult } from '../store/fsck.js';
import { checkKeyIndex, rebuildKeyIndex } from './key-index-rebuild.js';

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
  const keyIndexProblem = await checkKeyIndex(storePath);
  if (opts.repair) {
    const keyIndexRebuilt = await rebuildKeyIndex(new FsBlockStore(storePath), storePath);
    return { ...r, keyIndexProblem, keyIndexRebuilt };
  }
  return { ...r, keyIndexProblem, unrepaired: r.unrepaired + (keyIndexProblem ? 1 : 0) };
}
