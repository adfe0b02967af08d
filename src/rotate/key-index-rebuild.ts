/**
 * Rebuilding the key index from the blocks of a store (`fsck --repair`): every tree that
 * holds a group key with an id is recorded again. Group key trees are small, so only
 * leaves with few entries are read; a corrupt index is moved aside, never patched.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { FormatError, NotFoundError } from '../errors.js';
import type { BlockStore } from '../store/blockstore.js';
import { detectBlock } from '../tree/detect.js';
import { isIndexableId, keyIndexDir, listKeyIndex, recordGroupKey } from '../store/fs-key-index.js';
import { loadStoredGroupKey } from './secrets.js';

/** Leaves with more data blocks than this (16 MiB) are not group keys we index. */
const MAX_GROUPKEY_BLOCKS = 64;

/** Checks the index; returns a problem description, or null when it is sound. */
export async function checkKeyIndex(storePath: string): Promise<string | null> {
  try {
    await listKeyIndex(storePath);
    return null;
  } catch (e) {
    if (e instanceof FormatError) return e.message;
    throw e;
  }
}

/**
 * Re-records every group key found in `store` whose id is 32 bytes. A corrupt index is
 * first moved to `quarantine/`. Returns the number of group keys indexed.
 */
export async function rebuildKeyIndex(store: BlockStore, storePath: string): Promise<number> {
  if ((await checkKeyIndex(storePath)) !== null) {
    const q = path.join(storePath, 'quarantine');
    await fs.mkdir(q, { recursive: true });
    await fs.rename(keyIndexDir(storePath), path.join(q, `keyindex-${Date.now()}`));
  }
  let count = 0;
  for await (const hash of store.hashes()) {
    const block = await store.get(hash).catch(() => null);
    if (!block) continue;
    const d = detectBlock(block);
    if (d.type !== 'merkle' || d.tree.type !== 'leaf' || d.tree.hashes.length > MAX_GROUPKEY_BLOCKS)
      continue;
    try {
      const gk = await loadStoredGroupKey(store, hash);
      // Ids are only declared: a forged one is caught when a candidate is opened
      // (findGroupSecret); one that is not 32 bytes would corrupt the index itself.
      if (!gk.id || !isIndexableId(gk.id)) continue;
      await recordGroupKey(storePath, gk.id, hash);
      count++;
    } catch (e) {
      if (e instanceof FormatError || e instanceof NotFoundError) continue;
      throw e;
    }
  }
  return count;
}
