/**
 * Rebuilding the key index from the blocks of a store (`fsck --repair`): every tree that
 * holds a group key with an id is recorded again. Group key trees are small, so only
 * leaves with few entries are read; a corrupt index is moved aside, never patched.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { FormatError, NotFoundError } from '../errors.js';
import type { BlockSource, BlockStore } from '../store/blockstore.js';
import { detectBlock } from '../tree/detect.js';
import { FsKeyIndex, isIndexableId, keyIndexDir } from '../store/fs-key-index.js';
import type { KeyIndex } from '../store/key-index.js';
import { loadStoredGroupKey } from './secrets.js';

/** Leaves with more data blocks than this (16 MiB) are not group keys we index. */
const MAX_GROUPKEY_BLOCKS = 64;

/** Checks the index; returns a problem description, or null when it is sound. */
export async function checkKeyIndex(index: Pick<KeyIndex, 'list'>): Promise<string | null> {
  try {
    await index.list();
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
  const index = new FsKeyIndex(storePath);
  if ((await checkKeyIndex(index)) !== null) {
    const q = path.join(storePath, 'quarantine');
    await fs.mkdir(q, { recursive: true });
    await fs.rename(keyIndexDir(storePath), path.join(q, `keyindex-${Date.now()}`));
  }
  let count = 0;
  for await (const hash of store.hashes()) {
    const block = await store.get(hash).catch(() => null);
    if (block && mayBeGroupKeyTree(block) && (await indexGroupKeyTree(store, index, hash))) count++;
  }
  return count;
}

/**
 * Whether `block` may be the root of a stored group key: a merkle leaf of few data
 * blocks (group key trees are small, so larger trees are not read).
 * @param block - a verified block
 * @returns true when it is worth reading as a group key
 */
export function mayBeGroupKeyTree(block: Uint8Array): boolean {
  const d = detectBlock(block);
  return (
    d.type === 'merkle' && d.tree.type === 'leaf' && d.tree.hashes.length <= MAX_GROUPKEY_BLOCKS
  );
}

/**
 * Records the group key stored as tree `hash` in `index`, when it is one and has a 32-byte
 * id.
 * @param store - the store's blocks
 * @param index - the store's key index
 * @param hash - the tree's root
 * @returns whether it was indexed
 */
export async function indexGroupKeyTree(
  store: BlockSource,
  index: Pick<KeyIndex, 'record'>,
  hash: Uint8Array,
): Promise<boolean> {
  try {
    const gk = await loadStoredGroupKey(store, hash);
    // Ids are only declared: a forged one is caught when a candidate is opened
    // (findGroupSecret); one that is not 32 bytes would corrupt the index itself.
    if (!gk.id || !isIndexableId(gk.id)) return false;
    await index.record(gk.id, hash);
    return true;
  } catch (e) {
    if (e instanceof FormatError || e instanceof NotFoundError) return false;
    throw e;
  }
}
