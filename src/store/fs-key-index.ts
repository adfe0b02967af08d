/**
 * The store's key index: for every group key stored (by `groupkey store`, `store -g`,
 * `rotate`), which group key trees share a group key id, i.e. hold the same secret.
 * This is hbs2-keyman's "GK0 → GKi" relation (spec keys-and-groupkeys §7.2).
 *
 * Layout: `<store>/keyindex/<id b58>/<group key tree hash b58>`, one empty file per entry.
 * Adding an entry is creating one file, which is atomic, so a crash can never leave a torn
 * index; a name that does not decode to 32 bytes is reported as corruption, not skipped.
 * A store that is not a directory has its own implementation of the same names (S3:
 * store/s3/key-index.ts); an opened store carries its index (`Hbs2Store.keyIndex`).
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { encodeBase58 } from '../codec/base58.js';
import { FormatError } from '../errors.js';
import { fsyncDir } from '../fsutil.js';
import {
  checkIndexableId,
  decodeIndexName,
  type KeyIndex,
  type KeyIndexEntry,
} from './key-index.js';

export { GROUP_KEY_ID_LENGTH, isIndexableId } from './key-index.js';

/** Directory of the key index inside a store. */
export function keyIndexDir(storePath: string): string {
  return path.join(storePath, 'keyindex');
}

/**
 * Records that the group key stored as tree `groupKeyHash` has id `id`. Idempotent. An id
 * that is not 32 bytes is a FormatError: it is never turned into a directory name.
 */
export async function recordGroupKey(
  storePath: string,
  id: Uint8Array,
  groupKeyHash: Uint8Array,
): Promise<void> {
  checkIndexableId(id);
  const dir = path.join(keyIndexDir(storePath), encodeBase58(id));
  await fs.mkdir(dir, { recursive: true });
  const file = path.join(dir, encodeBase58(groupKeyHash));
  const fh = await fs.open(file, 'a');
  await fh.close();
  await fsyncDir(dir);
}

/** Hashes of every stored group key tree recorded with group key id `id`. */
export async function groupKeysWithId(storePath: string, id: Uint8Array): Promise<Uint8Array[]> {
  const idName = encodeBase58(id);
  const dir = path.join(keyIndexDir(storePath), idName);
  let names: string[];
  try {
    const st = await fs.stat(dir);
    if (!st.isDirectory())
      throw new FormatError(`corrupt key index: keyindex/${idName} is not a directory`);
    names = await fs.readdir(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  return names.sort().map((n) => decodeIndexName(n, `keyindex/${idName}`));
}

/** Every (id, group key hash) pair in the index; used by fsck. */
export async function listKeyIndex(
  storePath: string,
): Promise<Array<{ id: Uint8Array; groupKeyHash: Uint8Array }>> {
  let ids: string[];
  try {
    ids = await fs.readdir(keyIndexDir(storePath));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  const out: Array<{ id: Uint8Array; groupKeyHash: Uint8Array }> = [];
  for (const idName of ids.sort()) {
    const id = decodeIndexName(idName, 'keyindex');
    for (const groupKeyHash of await groupKeysWithId(storePath, id)) out.push({ id, groupKeyHash });
  }
  return out;
}

/** The key index of a store directory (`<store>/keyindex/`), as a {@link KeyIndex}. */
export class FsKeyIndex implements KeyIndex {
  /** @param storePath - the store's directory */
  constructor(readonly storePath: string) {}

  record(id: Uint8Array, groupKeyHash: Uint8Array): Promise<void> {
    return recordGroupKey(this.storePath, id, groupKeyHash);
  }

  groupKeysWithId(id: Uint8Array): Promise<Uint8Array[]> {
    return groupKeysWithId(this.storePath, id);
  }

  list(): Promise<KeyIndexEntry[]> {
    return listKeyIndex(this.storePath);
  }
}
