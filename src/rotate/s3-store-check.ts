/**
 * `fsck` of an S3 store together with its key index, as {@link checkStore} does on disk:
 * the block objects are checked by the store layer's {@link fsckS3}; the index (which
 * names group key trees, a format above the store layer) is checked and rebuilt here.
 */
import { openStore } from '../store/open.js';
import type { S3BlockStore } from '../store/s3/block-store.js';
import { fsckS3, quarantineS3KeyIndex } from '../store/s3/fsck.js';
import type { S3Connection } from '../store/s3/open.js';
import { checkKeyIndex, indexGroupKeyTree, mayBeGroupKeyTree } from './key-index-rebuild.js';
import type { StoreCheckResult } from './store-check.js';

/** Options of {@link checkS3Store}. */
export interface S3StoreCheckOptions {
  /** Quarantine bad block objects and rebuild the key index. */
  repair?: boolean;
  /** Called after each object is checked, with the count so far. */
  onFile?: (checked: number) => void;
  /** How to reach the service. */
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
  opts: S3StoreCheckOptions = {},
): Promise<StoreCheckResult> {
  const store = await openStore(location, { s3: opts.s3 });
  try {
    const blocks = store.blocks as S3BlockStore;
    const keyIndexProblem = await checkKeyIndex(location);
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
      if (await indexGroupKeyTree(blocks, location, hash)) keyIndexRebuilt++;
    return { ...r, keyIndexProblem, keyIndexRebuilt };
  } finally {
    await store.close();
  }
}
