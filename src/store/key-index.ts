/**
 * The key index a store keeps beside its blocks: which stored group key trees share a
 * group key id, i.e. hold the same secret (hbs2-keyman's "GK0 → GKi" relation, spec
 * keys-and-groupkeys §7.2). Readers find a secret through it when the group key a tree
 * names does not list them but a later key with the same id does. Portable: the
 * file-system index is `FsKeyIndex` (store/fs-key-index.ts), S3's is `S3KeyIndex`
 * (store/s3/key-index.ts); this file has the interface and an in-memory one.
 */
import { decodeBase58 } from '../codec/base58.js';
import { toHex, fromHex } from '../codec/hex.js';
import { FormatError } from '../errors.js';

/** Length of every group key id hbs2 computes (a BLAKE2b-256 hash). */
export const GROUP_KEY_ID_LENGTH = 32;

/**
 * True when `id` may be indexed. Ids are declared by whoever wrote the group key, so
 * anything but 32 bytes (empty, or long enough to overflow a file name) is refused.
 */
export function isIndexableId(id: Uint8Array): boolean {
  return id.length === GROUP_KEY_ID_LENGTH;
}

/** Throws the FormatError every index gives for an id it cannot hold. */
export function checkIndexableId(id: Uint8Array): void {
  if (!isIndexableId(id))
    throw new FormatError(
      `group key id of ${id.length} bytes cannot be indexed (ids are ${GROUP_KEY_ID_LENGTH} bytes)`,
    );
}

/**
 * Decodes one name of a stored key index (a base58 id or group key tree hash); anything
 * that is not 32 bytes of base58 is corruption, named by `where`, never skipped.
 * @param name - the file or object name
 * @param where - the directory or prefix it was listed under, for the message
 * @returns the 32 bytes it names
 * @throws {@link FormatError} naming the entry, with a hint to rebuild the index
 */
export function decodeIndexName(name: string, where: string): Uint8Array {
  let bytes: Uint8Array | undefined;
  try {
    bytes = decodeBase58(name);
  } catch {
    bytes = undefined;
  }
  if (bytes?.length !== GROUP_KEY_ID_LENGTH)
    throw new FormatError(
      `corrupt key index: ${where}/${name} is not ${bytes ? 'a 32-byte hash' : 'a base58 name'}`,
      { hint: 'run `hbs2 fsck --repair` to rebuild the key index' },
    );
  return bytes;
}

/** One entry of a key index. */
export interface KeyIndexEntry {
  id: Uint8Array;
  groupKeyHash: Uint8Array;
}

/** A store's key index. */
export interface KeyIndex {
  /**
   * Records that the group key stored as tree `groupKeyHash` has id `id`. Idempotent.
   * @throws {@link FormatError} when `id` is not 32 bytes
   */
  record(id: Uint8Array, groupKeyHash: Uint8Array): Promise<void>;
  /** Hashes of every group key tree recorded with `id`, in a stable order. */
  groupKeysWithId(id: Uint8Array): Promise<Uint8Array[]>;
  /** Every entry (fsck and gc walk them). */
  list(): Promise<KeyIndexEntry[]>;
}

/** A key index in memory, for a {@link MemoryBlockStore} or a browser. */
export class MemoryKeyIndex implements KeyIndex {
  private readonly byId = new Map<string, Set<string>>();

  async record(id: Uint8Array, groupKeyHash: Uint8Array): Promise<void> {
    checkIndexableId(id);
    const key = toHex(id);
    const set = this.byId.get(key) ?? new Set<string>();
    set.add(toHex(groupKeyHash));
    this.byId.set(key, set);
  }

  async groupKeysWithId(id: Uint8Array): Promise<Uint8Array[]> {
    return [...(this.byId.get(toHex(id)) ?? [])].sort().map(fromHex);
  }

  async list(): Promise<KeyIndexEntry[]> {
    const out: KeyIndexEntry[] = [];
    for (const idHex of [...this.byId.keys()].sort())
      for (const groupKeyHash of await this.groupKeysWithId(fromHex(idHex)))
        out.push({ id: fromHex(idHex), groupKeyHash });
    return out;
  }
}
