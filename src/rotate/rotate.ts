/**
 * Re-pointing an encrypted tree at a new group key (`hbs2 rotate`, spec keys §7.3).
 * Same secret (same id): only a new group key tree and one new `MTreeAnn` with the same
 * nonce, options and data blocks. Different secret: every block decrypted and encrypted
 * again under a new random nonce (streaming, bounded memory). The old root is untouched:
 * whoever could read it still can. The new annotation is written last, so an interrupted
 * rotation leaves only unreferenced blocks behind.
 */
import { encodeBase58 } from '../codec/base58.js';
import { crypto } from '../crypto/index.js';
import { FormatError, IntegrityError, NotFoundError } from '../errors.js';
import { groupKeyBytes, type GroupKey } from '../groupkey/model.js';
import { openGroupKey, type KeyringSource } from '../groupkey/open.js';
import type { BlockRunner } from '../parallel/pool.js';
import type { BlockStore } from '../store/blockstore.js';
import { encodeMTreeAnn, type MTreeAnn } from '../tree/annotation.js';
import { detectBlock } from '../tree/detect.js';
import { decodeSmallEncryptedBlock, openMetadata } from '../tree/encrypt.js';
import {
  decryptTransform,
  symmCrypt,
  symmMethod,
  writeEncryptedTree,
} from '../tree/encrypted-tree.js';
import { readTree } from '../tree/reader.js';
import { writeTree } from '../tree/writer.js';
import { isIndexableId, type KeyIndex } from '../store/key-index.js';
import { findGroupSecret, type WarningSink } from './secrets.js';

/** What a rotation did. */
export interface RotateResult {
  root: Uint8Array;
  mode: 'reannotated' | 'reencrypted';
  /** Blocks that did not exist in the store before. */
  blocksWritten: number;
}

/** Counts the puts of blocks that were not in the store yet. */
function countingStore(store: BlockStore): { store: BlockStore; written: () => number } {
  let written = 0;
  const counted: BlockStore = Object.create(store) as BlockStore;
  counted.put = async (block: Uint8Array, hash?: Uint8Array) => {
    const h = hash ?? crypto().blake2b256(block);
    if (!(await store.has(h))) written++;
    return store.put(block, h);
  };
  return { store: counted, written: () => written };
}

/**
 * Stores a group key tree from its exact bytes and indexes it by id (only a 32-byte id:
 * a key with no usable id is stored but not indexed).
 * @param store - where to store it
 * @param keyIndex - the store's key index, if it has one
 * @param gk - the group key
 * @returns the group key tree's root
 */
export async function storeGroupKeyTree(
  store: BlockStore,
  keyIndex: KeyIndex | undefined,
  gk: GroupKey,
): Promise<Uint8Array> {
  const res = await writeTree(store, [groupKeyBytes(gk)]);
  if (gk.id && isIndexableId(gk.id) && keyIndex !== undefined)
    await keyIndex.record(gk.id, res.root);
  return res.root;
}

/**
 * Rotates the encrypted tree `treeHash` to `newGroupKey`. The keyrings must open both the
 * tree's current group key (directly or through the key index) and the new one.
 * @param baseStore - the store holding the tree
 * @param keyIndex - the store's key index (the new group key is recorded there)
 * @param treeHash - the encrypted tree's annotation
 * @param newGroupKey - the group key to rotate to
 * @param keyrings - keyrings opening the current and the new group key
 * @param opts - block runner, warnings
 * @returns the new root and whether blocks were re-encrypted
 * @throws {@link NoMatchingKeyError} when a group key does not open, {@link FormatError} when the tree is not group-encrypted
 */
export async function rotateTree(
  baseStore: BlockStore,
  keyIndex: KeyIndex | undefined,
  treeHash: Uint8Array,
  newGroupKey: GroupKey,
  keyrings: readonly KeyringSource[],
  opts: {
    runner?: BlockRunner;
    onWarning?: WarningSink;
    /** Plaintext bytes re-encrypted so far (re-encryption only). */
    onProgress?: (bytes: number) => void;
  } = {},
): Promise<RotateResult> {
  const name = encodeBase58(treeHash);
  const block = await baseStore.get(treeHash);
  if (!block) throw new NotFoundError(`tree ${name} not found`);
  const detected = detectBlock(block);
  if (detected.type !== 'ann-merkle' || symmMethod(detected.ann) === null)
    throw new FormatError(`${name} is not a group-encrypted tree; nothing to rotate`);
  const ann = detected.ann;
  const crypt = symmCrypt(ann);
  const old = await findGroupSecret(baseStore, crypt.groupKey, keyrings, keyIndex, opts.onWarning);
  const opened = openGroupKey(newGroupKey, keyrings);
  const { store, written } = countingStore(baseStore);
  const gkh = await storeGroupKeyTree(store, keyIndex, newGroupKey);
  const sameSecret = encodeBase58(opened.id) === encodeBase58(old.id);
  if (sameSecret) {
    const next: MTreeAnn = { ...ann, crypt: { ...crypt, groupKey: gkh } };
    const root = await store.put(encodeMTreeAnn(next));
    return { root, mode: 'reannotated', blocksWritten: written() };
  }
  // Re-encryption would seal the metadata under the new secret, vouching for it: only
  // metadata the old secret vouches for is carried over (not clear text added to an
  // encrypted tree, nor a block whose nonce is not this tree's).
  let metadata: string | undefined;
  const untrusted = (why: string) =>
    new IntegrityError(`${name}: ${why}; not re-encrypting it under the new secret`, {
      hint: '`hbs2 cat --metadata` shows it as a warning; rotate the original root instead',
    });
  if (ann.meta.kind === 'short')
    throw untrusted('the tree carries clear-text metadata the group key does not protect');
  if (ann.meta.kind === 'ref') {
    const m = await baseStore.get(ann.meta.hash);
    if (!m) throw new NotFoundError(`metadata block ${encodeBase58(ann.meta.hash)} not found`);
    const opened = openMetadata(decodeSmallEncryptedBlock(m), old.secret, crypt.nonce);
    if (opened.nonceRule === 'unknown')
      throw untrusted(`metadata block ${encodeBase58(ann.meta.hash)} is not this tree's`);
    metadata = opened.text;
  }
  const plain = readTree(
    baseStore,
    { hash: treeHash, tree: ann.tree },
    { transform: decryptTransform(ann, old.secret, opts.runner) },
  );
  const res = await writeEncryptedTree(
    store,
    plain,
    {
      secret: opened.secret,
      groupKeyHash: gkh,
      nonceS: crypto().randomBytes(32),
      metadata,
      runner: opts.runner,
    },
    opts.onProgress ? { onProgress: (bytes) => opts.onProgress!(bytes) } : undefined,
  );
  return { root: res.annotation, mode: 'reencrypted', blocksWritten: written() };
}
