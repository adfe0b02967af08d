/**
 * CLI glue for encrypted content: loading the keyrings to try, opening a group key file
 * for `store -g`, storing group keys (recorded in the key index), and the decryptor `cat`
 * and friends hand to the tree reader.
 */
import * as path from 'node:path';
import { readFileChecked } from '../fsutil.js';
import { parseGroupKeyFile, type GroupKey, type KeyringSource } from '../groupkey/index.js';
import { FsKeyIndex } from '../rotate/key-index.js';
import { storeGroupKeyTree } from '../rotate/rotate.js';
import { findGroupSecret, type FoundSecret } from '../rotate/secrets.js';
import type { FsBlockStore, ReadableBlockStore } from '../store/index.js';
import type { Decryptor, MTreeAnn } from '../tree/index.js';
import { decryptTransform, symmCrypt } from '../tree/encrypted-tree.js';
import type { CliContext } from './context.js';
import { loadKeyringsFromPaths } from './keyrings.js';
import { resolveKeyringPaths } from './settings.js';
import { info, warn } from './output.js';
import { encodeBase58 } from '../codec/base58.js';
import { workerPool } from '../parallel/pool.js';
import { sharedPool } from './shared-pool.js';

/** The keyrings to try: `-k` files, else the config's `keyrings`. */
export async function keyringSources(
  ctx: CliContext,
  given: readonly string[] | undefined,
): Promise<KeyringSource[]> {
  const paths = await resolveKeyringPaths(ctx, given);
  if (paths.length === 0) return [];
  return loadKeyringsFromPaths(paths);
}

/** Reads a group key file given on the command line. */
export async function readGroupKeyFile(file: string): Promise<GroupKey> {
  return parseGroupKeyFile(await readFileChecked(file, 64 * 1024 * 1024), path.basename(file));
}

/**
 * Stores a group key as its own tree from its exact CBOR bytes (so the hash matches what
 * hbs2 computes for the same file) and records it in the key index by id.
 */
export async function storeGroupKey(store: FsBlockStore, gk: GroupKey): Promise<Uint8Array> {
  return storeGroupKeyTree(store, new FsKeyIndex(store.prefix), gk);
}

/**
 * A decryptor for encrypted trees: finds the secret with `keyrings` (and the store's key
 * index), then decrypts blocks, in a worker pool for large trees.
 */
export function storeDecryptor(
  store: ReadableBlockStore,
  keyrings: readonly KeyringSource[],
  onFound?: (f: FoundSecret) => void,
): Decryptor {
  return async (ann: MTreeAnn) => {
    const found = await findGroupSecret(
      store,
      symmCrypt(ann).groupKey,
      keyrings,
      new FsKeyIndex(store.prefix),
      warn,
    );
    onFound?.(found);
    if (found.via === 'key-index')
      info(
        `opened through group key ${encodeBase58(found.openedGroupKeyHash)} (same group key id)`,
      );
    // Trees of a few blocks are decrypted inline; bigger ones in a worker pool.
    const small = ann.tree.type === 'leaf' && ann.tree.hashes.length <= 4;
    return decryptTransform(ann, found.secret, small ? undefined : sharedPool(() => workerPool()));
  };
}
