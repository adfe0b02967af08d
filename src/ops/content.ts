/**
 * The headline content operations: store bytes as a plain, annotated or group-encrypted
 * tree, and read any object back, decrypting with the caller's keyrings. Each works over
 * any {@link BlockStore}, takes a progress callback and an AbortSignal, and is what the
 * CLI's `store` and `cat` do minus the files and the terminal.
 */
import { crypto } from '../crypto/index.js';
import type { GroupKey } from '../groupkey/model.js';
import { openGroupKey, type KeyringSource } from '../groupkey/open.js';
import type { BlockRunner } from '../parallel/pool.js';
import { findGroupSecret, type FoundSecret, type WarningSink } from '../rotate/secrets.js';
import { storeGroupKeyTree } from '../rotate/rotate.js';
import type { BlockSink, BlockSource, BlockStore } from '../store/blockstore.js';
import { hashOnlySink } from '../store/hash-only.js';
import type { KeyIndex } from '../store/key-index.js';
import {
  decryptTransform,
  deterministicTreeNonce,
  symmCrypt,
  writeAnnotatedTree,
  writeEncryptedTree,
  type EncryptionMethod,
} from '../tree/encrypted-tree.js';
import { readObject, type Decryptor } from '../tree/object.js';
import { hashingTransform, writeTree, type WriteTreeOptions } from '../tree/writer.js';
import { abortable, type ByteSource } from './abort.js';

/** Options every store operation takes. */
export interface StoreContentOptions {
  /** Metadata text: clear text in a plain annotated tree, encrypted in an encrypted one. */
  metadata?: string;
  /** Called after each data block is stored, with the input bytes done. */
  onProgress?: (bytes: number) => void;
  /** Stops the store before the next chunk; nothing then refers to what was written. */
  signal?: AbortSignal;
  /** Runs block hashing/encryption (Node's worker pool); default on this thread. */
  runner?: BlockRunner;
  /**
   * Blocks being encrypted and stored at once (default 8, or 4 per worker of `runner`);
   * a store with slow round trips (S3) keeps more in flight.
   */
  parallelism?: number;
}

/** What a store wrote. */
export interface StoredContent {
  /** The hash to give `cat`: the annotation, or the plain tree's root. */
  root: Uint8Array;
  /** Data blocks and input bytes. */
  blocks: number;
  bytes: number;
}

/**
 * The tree writer's options every store operation derives from its own: progress in input
 * bytes, and blocks in flight (default 8, or 4 per worker of the runner).
 */
function writerOptions(opts: StoreContentOptions): WriteTreeOptions {
  return {
    onProgress: opts.onProgress && ((bytes: number) => opts.onProgress!(bytes)),
    parallelism:
      opts.parallelism ?? (opts.runner ? Math.max(8, opts.runner.parallelism * 4) : undefined),
  };
}

/**
 * Stores `source` as hbs2's plain merkle tree, or with `metadata` as a tree annotated
 * with that (clear) text. With a `runner` of more than one worker, blocks are hashed in
 * its workers while this thread reads and stores.
 * @param store - where the blocks go (any sink: {@link treeRootOf} passes one that keeps nothing)
 * @param source - the content, in chunks of any size
 * @param opts - metadata, progress, cancellation, workers
 * @returns the root to read it back by
 * @throws the signal's reason when aborted
 */
export async function storePlain(
  store: BlockSink,
  source: ByteSource,
  opts: StoreContentOptions = {},
): Promise<StoredContent> {
  const input = abortable(source, opts.signal);
  const runner = opts.runner;
  const writer: WriteTreeOptions = {
    ...writerOptions(opts),
    transform: runner && runner.parallelism > 1 ? hashingTransform(runner) : undefined,
  };
  if (opts.metadata === undefined) {
    const res = await writeTree(store, input, writer);
    return { root: res.root, blocks: res.blocks, bytes: res.bytes };
  }
  const res = await writeAnnotatedTree(
    store,
    input,
    { kind: 'short', text: opts.metadata },
    writer,
  );
  return { root: res.annotation, blocks: res.blocks, bytes: res.bytes };
}

/**
 * The root {@link storePlain} would return for `source` (`hbs2 hash --tree`), storing
 * nothing: every block is hashed and dropped.
 * @param source - the content, in chunks of any size
 * @param opts - metadata, progress, cancellation, workers
 * @returns the root and the counts
 * @throws the signal's reason when aborted
 */
export function treeRootOf(
  source: ByteSource,
  opts: StoreContentOptions = {},
): Promise<StoredContent> {
  return storePlain(hashOnlySink, source, opts);
}

/**
 * BLAKE2b-256 of the whole of `source` (`hbs2 hash`): hbs2's hash of one block holding
 * these bytes, computed without holding them.
 * @param source - the bytes, in chunks of any size
 * @param signal - stops before the next chunk
 * @returns the 32-byte digest
 * @throws the signal's reason when aborted
 */
export async function blake2b256Of(source: ByteSource, signal?: AbortSignal): Promise<Uint8Array> {
  const h = crypto().blake2b256Stream();
  for await (const piece of abortable(source, signal)) h.update(piece);
  return h.digest();
}

/** Options of {@link storeEncrypted}. */
export interface StoreEncryptedOptions extends StoreContentOptions {
  /** The group the content is for; the writer must be one of its recipients. */
  groupKey: GroupKey;
  /** Keyrings holding the writer's secret key (to open the group key). */
  keyrings: readonly KeyringSource[];
  /** The store's key index: the group key is recorded there by id. */
  keyIndex?: KeyIndex;
  /** 2 (default): keyed per-block nonces; 1: hbs2 0.24's counter nonces. */
  method?: EncryptionMethod;
  /**
   * The same bytes again, for a deterministic tree nonce (equal content and key give the
   * same root): the first pass reads `source`, the encryption reads `reread()` and fails
   * if a chunk differs. Without it the tree nonce is random.
   */
  reread?: () => ByteSource;
}

/** What an encrypted store wrote. */
export interface StoredEncryptedContent extends StoredContent {
  /** The stored group key tree the annotation names. */
  groupKeyHash: Uint8Array;
}

/**
 * Stores `source` encrypted for a group (`hbs2 store -g`): opens the group key with the
 * writer's keyrings, stores the group key as its own tree (indexed by id), then writes the
 * encrypted tree and its annotation last.
 * @param store - where the blocks go
 * @param source - the content, in chunks of any size
 * @param opts - the group key, the writer's keyrings, and {@link StoreContentOptions}
 * @returns the annotation hash to read it back by, and the group key tree's hash
 * @throws {@link NoMatchingKeyError} when no keyring opens the group key
 * @throws {@link IntegrityError} when `reread()` gives other bytes than `source`
 */
export async function storeEncrypted(
  store: BlockStore,
  source: ByteSource,
  opts: StoreEncryptedOptions,
): Promise<StoredEncryptedContent> {
  const method = opts.method ?? 2;
  const opened = openGroupKey(opts.groupKey, opts.keyrings);
  let input = source;
  let nonce:
    | { nonceS: Uint8Array; fingerprints?: undefined }
    | Awaited<ReturnType<typeof deterministicTreeNonce>> = { nonceS: crypto().randomBytes(32) };
  if (opts.reread) {
    nonce = await deterministicTreeNonce(
      abortable(source, opts.signal),
      opened.secret,
      method,
      opts.runner,
    );
    input = opts.reread();
  }
  const groupKeyHash = await storeGroupKeyTree(store, opts.keyIndex, opts.groupKey);
  const res = await writeEncryptedTree(
    store,
    abortable(input, opts.signal),
    {
      secret: opened.secret,
      groupKeyHash,
      nonceS: nonce.nonceS,
      method,
      fingerprints: nonce.fingerprints,
      metadata: opts.metadata,
      runner: opts.runner,
    },
    writerOptions(opts),
  );
  return { root: res.annotation, groupKeyHash, blocks: res.blocks, bytes: res.bytes };
}

/** Options of {@link contentDecryptor}. */
export interface DecryptorOptions {
  /** The store's key index, to open trees through a later key with the same id. */
  keyIndex?: KeyIndex;
  /**
   * Gives the runner for block decryption of trees bigger than a few blocks (Node's worker
   * pool, started only when such a tree is read); default: on this thread.
   */
  runner?: () => BlockRunner;
  /** Receives messages about key index candidates that were skipped. */
  onWarning?: WarningSink;
  /** Told which group key opened the tree (and whether through the key index). */
  onFound?: (found: FoundSecret) => void;
}

/**
 * A decryptor for {@link readObject}: finds the tree's secret with `keyrings` (and the
 * key index), then decrypts and verifies every block.
 * @param store - where the group keys are stored
 * @param keyrings - the reader's keyrings
 * @param opts - key index, block runner, callbacks
 * @returns a decryptor; reading with it throws {@link NoMatchingKeyError} when no keyring
 *   opens the tree's group key
 */
export function contentDecryptor(
  store: BlockSource,
  keyrings: readonly KeyringSource[],
  opts: DecryptorOptions = {},
): Decryptor {
  return async (ann) => {
    const found = await findGroupSecret(
      store,
      symmCrypt(ann).groupKey,
      keyrings,
      opts.keyIndex,
      opts.onWarning,
    );
    opts.onFound?.(found);
    // Trees of a few blocks are decrypted here; a runner is only started for bigger ones.
    const small = ann.tree.type === 'leaf' && ann.tree.hashes.length <= 4;
    return decryptTransform(ann, found.secret, small ? undefined : opts.runner?.());
  };
}

/** Options of {@link readContent}. */
export interface ReadContentOptions extends DecryptorOptions {
  /** Keyrings for encrypted content (none: plain content only). */
  keyrings?: readonly KeyringSource[];
  /** Called after each block, with the bytes yielded so far. */
  onProgress?: (bytes: number) => void;
  /** Stops the read before the next block. */
  signal?: AbortSignal;
  /** Blocks read ahead of the one being yielded (default 8); more for slow round trips. */
  readAhead?: number;
}

/**
 * Streams the content of `hash` (`hbs2 cat`): a blob, a plain or annotated tree, or a
 * group-encrypted tree decrypted with `keyrings`. Every block is verified before its bytes
 * are yielded.
 * @param store - where the object is stored
 * @param hash - the object's hash (an annotation, a tree root, a reference or a blob)
 * @param opts - keyrings, key index, progress, cancellation
 * @returns the content, block by block
 * @throws {@link NotFoundError} for a missing block, {@link IntegrityError} for a corrupt
 *   one, {@link NoMatchingKeyError} when no keyring opens encrypted content
 */
export async function* readContent(
  store: BlockSource,
  hash: Uint8Array,
  opts: ReadContentOptions = {},
): AsyncGenerator<Uint8Array> {
  const decryptor = contentDecryptor(store, opts.keyrings ?? [], opts);
  let done = 0;
  const blocks = readObject(store, hash, { decryptor, readAhead: opts.readAhead });
  for await (const block of abortable(blocks, opts.signal)) {
    done += block.length;
    yield block;
    opts.onProgress?.(done);
  }
}
