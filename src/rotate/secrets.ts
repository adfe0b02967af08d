/**
 * Finding the secret of an encrypted tree: first the group key it names, opened with the
 * caller's keyrings; then, through the store's key index, any other stored group key with
 * the same id that one of those keyrings opens (hbs2-keyman's `findMatchedGroupKeySecret`,
 * spec keys-and-groupkeys §7.2). This is how a reader added later reads older content.
 */
import { encodeBase58 } from '../codec/base58.js';
import { concatBytes } from '../codec/cbor.js';
import { FormatError, IntegrityError, NoMatchingKeyError, NotFoundError } from '../errors.js';
import { decodeGroupKey, type GroupKey } from '../groupkey/model.js';
import { openGroupKey, type KeyringSource, type OpenedGroupKey } from '../groupkey/open.js';
import type { BlockSource } from '../store/blockstore.js';
import { BLOCK_SIZE } from '../tree/constants.js';
import { readObject } from '../tree/object.js';
import { isIndexableId, type KeyIndex } from '../store/key-index.js';

/** Group key trees larger than this are refused (a 16 MiB key has ~135,000 recipients). */
export const MAX_GROUPKEY_TREE_BYTES = 16 * 1024 * 1024;

/**
 * Group key trees with more data blocks than this are refused: writers (hbs2's
 * putAsMerkle, this toolkit's tree writer) store a group key in 256 KiB blocks, so the
 * largest accepted key takes 64. The count bounds a hostile tree of shared subtrees over
 * the empty block, whose bytes never reach the byte limit (it would be read forever),
 * and tiny blocks each read into a 256 KiB buffer.
 */
export const MAX_GROUPKEY_TREE_BLOCKS = MAX_GROUPKEY_TREE_BYTES / BLOCK_SIZE;

/** Reads and decodes the group key stored as tree `hash`. */
export async function loadStoredGroupKey(store: BlockSource, hash: Uint8Array): Promise<GroupKey> {
  const parts: Uint8Array[] = [];
  let size = 0;
  try {
    for await (const p of readObject(store, hash)) {
      size += p.length;
      if (size > MAX_GROUPKEY_TREE_BYTES || parts.length >= MAX_GROUPKEY_TREE_BLOCKS)
        throw new FormatError(
          `group key tree ${encodeBase58(hash)} is larger than ${MAX_GROUPKEY_TREE_BYTES} bytes or ${MAX_GROUPKEY_TREE_BLOCKS} blocks`,
        );
      parts.push(p);
    }
  } catch (e) {
    if (e instanceof NotFoundError)
      throw new NotFoundError(`group key ${encodeBase58(hash)} is not in the store (${e.message})`);
    throw e;
  }
  return decodeGroupKey(concatBytes(parts), `group key ${encodeBase58(hash)}`);
}

/** A secret found for a group key, and how. */
export interface FoundSecret extends OpenedGroupKey {
  groupKey: GroupKey;
  /** `keyring`: the named group key opened; `key-index`: another key with the same id did. */
  via: 'keyring' | 'key-index';
  /** The group key tree that was opened. */
  openedGroupKeyHash: Uint8Array;
}

/** Receives a message about a key index candidate that was skipped. */
export type WarningSink = (message: string) => void;

/**
 * Finds the secret of the group key stored at `groupKeyHash`. `keyIndex` enables the
 * key-index fallback (omit it for stores without one).
 *
 * Key index candidates are trees anyone could have planted with any declared id: one
 * that does not decode, whose box does not open, or whose secret does not match its
 * declared id is skipped (reported to `onWarning`) instead of failing the search, so a
 * forged candidate cannot lock a reader out.
 * @param store - where the group key (and any indexed one) is stored
 * @param groupKeyHash - the group key tree an encrypted tree names
 * @param keyrings - the keyrings to try
 * @param keyIndex - the store's key index, for keys with the same id
 * @param onWarning - receives messages about skipped key index candidates
 * @returns the secret, the group key and how it was opened
 * @throws {@link NoMatchingKeyError} listing the public keys tried when nothing opens it
 * @throws {@link NotFoundError} when the group key is not in the store
 */
export async function findGroupSecret(
  store: BlockSource,
  groupKeyHash: Uint8Array,
  keyrings: readonly KeyringSource[],
  keyIndex?: KeyIndex,
  onWarning: WarningSink = () => {},
): Promise<FoundSecret> {
  const groupKey = await loadStoredGroupKey(store, groupKeyHash);
  if (keyrings.length === 0)
    throw new NoMatchingKeyError('the content is encrypted and no keyring was given', [], {
      hint: 'give a keyring with -k, or list keyrings under `keyrings:` in the config',
    });
  let firstError: unknown;
  try {
    return {
      ...openGroupKey(groupKey, keyrings),
      groupKey,
      via: 'keyring',
      openedGroupKeyHash: groupKeyHash,
    };
  } catch (e) {
    const indexed = groupKey.id !== null && isIndexableId(groupKey.id);
    if (!(e instanceof NoMatchingKeyError) || !indexed || keyIndex === undefined) throw e;
    firstError = e;
  }
  const found = await openThroughKeyIndex(
    store,
    keyIndex,
    groupKeyHash,
    groupKey,
    keyrings,
    onWarning,
  );
  if (!found) throw firstError;
  return found;
}

/** The first other group key indexed under `groupKey`'s id that the keyrings open. */
async function openThroughKeyIndex(
  store: BlockSource,
  keyIndex: KeyIndex,
  groupKeyHash: Uint8Array,
  groupKey: GroupKey,
  keyrings: readonly KeyringSource[],
  onWarning: WarningSink,
): Promise<FoundSecret | null> {
  const self = encodeBase58(groupKeyHash);
  const id = encodeBase58(groupKey.id!);
  for (const other of await keyIndex.groupKeysWithId(groupKey.id!)) {
    const name = encodeBase58(other);
    if (name === self) continue;
    try {
      const candidate = await loadStoredGroupKey(store, other);
      if (!candidate.id || encodeBase58(candidate.id) !== id) {
        onWarning(`key index: skipped group key ${name}: it does not declare group key id ${id}`);
        continue;
      }
      const opened = openGroupKey(candidate, keyrings);
      return { ...opened, groupKey, via: 'key-index', openedGroupKeyHash: other };
    } catch (e) {
      if (e instanceof NotFoundError || e instanceof NoMatchingKeyError) continue; // deleted, or not ours
      if (!(e instanceof IntegrityError) && !(e instanceof FormatError)) throw e;
      onWarning(`key index: skipped group key ${name}: ${e.message}`);
    }
  }
  return null;
}
