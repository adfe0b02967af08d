/**
 * The store's key index: for every group key stored (by `groupkey store`, `store -g`,
 * `rotate`), which group key trees share a group key id, i.e. hold the same secret.
 * This is hbs2-keyman's "GK0 → GKi" relation (spec keys-and-groupkeys §7.2).
 *
 * Layout: `<store>/keyindex/<id b58>/<group key tree hash b58>`, one empty file per entry.
 * Adding an entry is creating one file, which is atomic, so a crash can never leave a torn
 * index; a name that does not decode to 32 bytes is reported as corruption, not skipped.
 * A store that is not a directory (S3) registers its own backend for its location
 * (store/key-index-backend.ts), holding the same names.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { decodeBase58, encodeBase58 } from '../codec/base58.js';
import { FormatError } from '../errors.js';
import { fsyncDir } from '../fsutil.js';
import { checkIndexableId, type KeyIndex, type KeyIndexEntry } from '../store/key-index.js';
import { keyIndexBackendFor } from '../store/key-index-backend.js';

export { GROUP_KEY_ID_LENGTH, isIndexableId } from '../store/key-index.js';

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
  const backend = keyIndexBackendFor(storePath);
  if (backend) return backend.record(encodeBase58(id), encodeBase58(groupKeyHash));
  const dir = path.join(keyIndexDir(storePath), encodeBase58(id));
  await fs.mkdir(dir, { recursive: true });
  const file = path.join(dir, encodeBase58(groupKeyHash));
  const fh = await fs.open(file, 'a');
  await fh.close();
  await fsyncDir(dir);
}

function decodeName(name: string, where: string): Uint8Array {
  let bytes: Uint8Array;
  try {
    bytes = decodeBase58(name);
  } catch {
    throw new FormatError(`corrupt key index: ${where}/${name} is not a base58 name`, {
      hint: 'run `hbs2 fsck --repair` to rebuild the key index',
    });
  }
  if (bytes.length !== 32)
    throw new FormatError(`corrupt key index: ${where}/${name} is not a 32-byte hash`, {
      hint: 'run `hbs2 fsck --repair` to rebuild the key index',
    });
  return bytes;
}

/** Hashes of every stored group key tree recorded with group key id `id`. */
export async function groupKeysWithId(storePath: string, id: Uint8Array): Promise<Uint8Array[]> {
  const idName = encodeBase58(id);
  const backend = keyIndexBackendFor(storePath);
  if (backend)
    return (await backend.entries(idName)).map((n) => decodeName(n, `keyindex/${idName}`));
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
  return names.sort().map((n) => decodeName(n, `keyindex/${idName}`));
}

/** Every (id, group key hash) pair in the index; used by fsck. */
export async function listKeyIndex(
  storePath: string,
): Promise<Array<{ id: Uint8Array; groupKeyHash: Uint8Array }>> {
  let ids: string[];
  const backend = keyIndexBackendFor(storePath);
  try {
    ids = backend ? await backend.ids() : await fs.readdir(keyIndexDir(storePath));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  const out: Array<{ id: Uint8Array; groupKeyHash: Uint8Array }> = [];
  for (const idName of ids.sort()) {
    const id = decodeName(idName, 'keyindex');
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
