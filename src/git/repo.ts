/**
 * Reading an encrypted git repository from a store: the owner head and repository record,
 * every transaction reachable from the writers' heads, the canonical chain, the group
 * secrets (through any group key of the repository with the same id) and the decrypted
 * refs record of a transaction.
 */
import { keyOf } from '../acb/model.js';
import { encodeBase58 } from '../codec/base58.js';
import { concatBytes } from '../codec/cbor.js';
import { FormatError, IntegrityError, NoMatchingKeyError, NotFoundError } from '../errors.js';
import { decodeGroupKey, type GroupKey } from '../groupkey/model.js';
import { openGroupKey, type KeyringSource } from '../groupkey/open.js';
import { getLwwRef, type VerifiedLwwRef } from '../refs/lww-store.js';
import { openLwwRefBox } from '../refs/lww-store.js';
import type { RefStore } from '../refs/ref-store.js';
import { decodeSignedBox, openSignedBox } from '../refs/signed-box.js';
import type { BlockRunner } from '../parallel/pool.js';
import type { BlockStore } from '../store/blockstore.js';
import { hashToString } from '../store/hash.js';
import { symmCrypt, decryptTransform } from '../tree/encrypted-tree.js';
import { readObject, type Decryptor } from '../tree/object.js';
import { crypto } from '../crypto/index.js';
import {
  decodeRefsRecord,
  decodeRepoRecord,
  decodeTransaction,
  writerHeadKey,
  type RefsRecord,
  type RepoRecord,
} from './codec.js';
import { canonicalChain, type ChainResult, type FoundTx } from './chain.js';

/** The block and ref stores a repository lives in. */
export interface GitStores {
  blocks: BlockStore;
  refs: RefStore;
}

/** The owner head and the record it points to. */
export interface LoadedRepo {
  head: VerifiedLwwRef;
  record: RepoRecord;
}

/** Largest refs record or group key read (they are small; this bounds hostile trees). */
const MAX_SMALL_OBJECT = 64 * 1024 * 1024;

/** The repository named by `repoKey`; NotFoundError when it has no owner head. */
export async function loadRepo(stores: GitStores, repoKey: Uint8Array): Promise<LoadedRepo> {
  const name = encodeBase58(repoKey);
  const head = await getLwwRef(stores.refs, stores.blocks, repoKey);
  if (!head)
    throw new NotFoundError(`repository ${name} is not in this store`, {
      hint: 'check the store (remote.<name>.hbs2-store or HBS2_STORE), or create it with `hbs2 git init`',
    });
  const block = await stores.blocks.get(head.ref.value);
  if (!block)
    throw new NotFoundError(
      `repository ${name}: record ${hashToString(head.ref.value)} is missing`,
    );
  const record = decodeRepoRecord(block, `repository ${name}: record`);
  if (keyOf(record.owner) !== keyOf(repoKey))
    throw new IntegrityError(`repository ${name}: its record names another owner`);
  return { head, record };
}

/** The head transaction of `writer`, or null when it has never pushed. */
export async function writerHead(
  stores: GitStores,
  repoKey: Uint8Array,
  writer: Uint8Array,
): Promise<VerifiedLwwRef | null> {
  const boxHash = await stores.refs.getRef(writerHeadKey(repoKey, writer));
  if (!boxHash) return null;
  const block = await stores.blocks.get(boxHash);
  if (!block) return null;
  try {
    return openLwwRefBox(block, writer, `head of writer ${encodeBase58(writer)}`);
  } catch (e) {
    // A head that does not verify is ignored like a missing one: nobody else can sign it.
    if (e instanceof FormatError || e instanceof IntegrityError) return null;
    throw e;
  }
}

/** Decodes a stored transaction block (signature checked, result recorded). */
export function decodeFoundTx(hash: Uint8Array, block: Uint8Array): FoundTx {
  const what = `transaction ${hashToString(hash)}`;
  const box = decodeSignedBox(block, what);
  let signatureValid = true;
  try {
    openSignedBox(box, what);
  } catch (e) {
    if (!(e instanceof IntegrityError)) throw e;
    signatureValid = false;
  }
  return { hash, author: box.signKey, signatureValid, tx: decodeTransaction(box.payload, what) };
}

/**
 * Every transaction reachable from the heads of the record's writers, through parents and
 * each writer's previous transaction. Blocks that are missing or do not decode are left
 * out (their children then have no parent and are not canonical).
 */
export async function loadTransactions(
  stores: GitStores,
  repoKey: Uint8Array,
  record: RepoRecord,
): Promise<FoundTx[]> {
  const found = new Map<string, FoundTx>();
  const queue: Uint8Array[] = [];
  for (const w of record.acb.writers) {
    const head = await writerHead(stores, repoKey, w.key);
    if (head) queue.push(head.ref.value);
  }
  const visited = new Set<string>();
  while (queue.length > 0) {
    const h = queue.pop()!;
    const id = keyOf(h);
    if (visited.has(id)) continue;
    visited.add(id);
    const block = await stores.blocks.get(h).catch((e: unknown) => {
      if (e instanceof IntegrityError) return null;
      throw e;
    });
    if (!block) continue;
    let t: FoundTx;
    try {
      t = decodeFoundTx(h, block);
    } catch (e) {
      if (e instanceof FormatError) continue;
      throw e;
    }
    found.set(id, t);
    if (t.tx.parent) queue.push(t.tx.parent);
    if (t.tx.prevOwn) queue.push(t.tx.prevOwn);
  }
  return [...found.values()];
}

/** The canonical chain of a loaded repository at `now`. */
export function repoChain(
  repoKey: Uint8Array,
  record: RepoRecord,
  txs: readonly FoundTx[],
  now: number,
  skew: number,
): ChainResult {
  return canonicalChain({
    txs,
    repo: repoKey,
    acb: record.acb,
    deleted: record.deleted,
    checkpoint: record.checkpoint,
    now,
    skew,
  });
}

/** Reads a small stored object whole (refs records, group keys). */
export async function readSmallObject(
  blocks: BlockStore,
  hash: Uint8Array,
  opts: Parameters<typeof readObject>[2] = {},
): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let size = 0;
  for await (const p of readObject(blocks, hash, opts)) {
    size += p.length;
    if (size > MAX_SMALL_OBJECT)
      throw new FormatError(
        `object ${hashToString(hash)} is larger than ${MAX_SMALL_OBJECT} bytes`,
      );
    parts.push(p);
  }
  return concatBytes(parts);
}

/** Loads and decodes the group key stored at `hash`. */
export async function loadGroupKey(blocks: BlockStore, hash: Uint8Array): Promise<GroupKey> {
  return decodeGroupKey(await readSmallObject(blocks, hash), `group key ${hashToString(hash)}`);
}

/**
 * Group secrets of one repository for one set of keyrings, cached. A transaction's group
 * key that the keyrings cannot open is tried through the repository's other group keys
 * with the same id (same secret): how a reader added later reads earlier pushes.
 */
export class RepoSecrets {
  private readonly cache = new Map<string, Uint8Array>();

  constructor(
    private readonly blocks: BlockStore,
    private readonly record: RepoRecord,
    private readonly keyrings: readonly KeyringSource[],
    /** Decrypts the blocks of large trees (a worker pool); default inline. */
    private readonly runner?: BlockRunner,
  ) {}

  /** The secret of the group key stored at `groupKeyHash`. */
  async secretFor(groupKeyHash: Uint8Array): Promise<Uint8Array> {
    const id = keyOf(groupKeyHash);
    const cached = this.cache.get(id);
    if (cached) return cached;
    if (this.keyrings.length === 0)
      throw new NoMatchingKeyError('the repository is encrypted and no keyring was given', [], {
        hint: 'set git config remote.<name>.hbs2-keyring, or list keyrings under `keyrings:` in the config',
      });
    const gk = await loadGroupKey(this.blocks, groupKeyHash);
    let firstError: unknown;
    try {
      const secret = openGroupKey(gk, this.keyrings).secret;
      this.cache.set(id, secret);
      return secret;
    } catch (e) {
      if (!(e instanceof NoMatchingKeyError) || gk.id === null) throw e;
      firstError = e;
    }
    for (const other of this.record.groupKeys) {
      if (keyOf(other) === id) continue;
      const candidate = await loadGroupKey(this.blocks, other).catch(() => null);
      if (!candidate?.id || keyOf(candidate.id) !== keyOf(gk.id)) continue;
      try {
        const secret = openGroupKey(candidate, this.keyrings).secret;
        this.cache.set(id, secret);
        return secret;
      } catch (e) {
        if (!(e instanceof NoMatchingKeyError)) throw e;
      }
    }
    const err = firstError as NoMatchingKeyError;
    throw new NoMatchingKeyError(
      `none of the given keys is a reader of this repository (group key ${hashToString(groupKeyHash)})`,
      err.tried,
    );
  }

  /** Decrypts the blocks of encrypted trees of this repository. */
  readonly decryptor: Decryptor = async (ann) => {
    const secret = await this.secretFor(symmCrypt(ann).groupKey);
    // Refs records are a block or two: a worker round trip would cost more than it saves.
    const small = ann.tree.type === 'leaf' && ann.tree.hashes.length <= 4;
    return decryptTransform(ann, secret, small ? undefined : this.runner);
  };

  /** Streams the decrypted content of the encrypted tree `hash`. */
  read(hash: Uint8Array): AsyncIterable<Uint8Array> {
    return readObject(this.blocks, hash, { decryptor: this.decryptor });
  }

  /** The decrypted refs record of a transaction. */
  async refsOf(t: FoundTx): Promise<RefsRecord> {
    const bytes = await readSmallObject(this.blocks, t.tx.refs, { decryptor: this.decryptor });
    return decodeRefsRecord(bytes, `refs record of ${hashToString(t.hash)}`);
  }
}

/** The hash of a block (for callers that build blocks before storing them). */
export function blockHash(block: Uint8Array): Uint8Array {
  return crypto().blake2b256(block);
}
