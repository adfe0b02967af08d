/**
 * Group-secret encryption of tree blocks and of small blocks (hbs2's GroupKeySymm:
 * spec blocks-trees-storage §4.5, keys-and-groupkeys §6).
 *
 * Per tree: key0 = HKDF-Expand(secret, nonceS), nonce0 = first 24 bytes of nonceS.
 * Method 1 stores secretbox(chunk, nonce0 ⊕ i, key0) raw; method 2 stores the CBOR pair
 * (nonce, box) with a content-dependent nonce: hbs2-git's SipHash rule, or the newer
 * writer's keyed block nonce (keyed-nonces.ts), which this toolkit writes by default.
 * Counters start at 1.
 */
import { CborReader, CborWriter } from '../codec/cbor.js';
import { readHashRef, readNewtypeBytes, writeHashRef, writeNewtypeBytes } from '../codec/hbs2.js';
import { InputChangedError } from '../errors.js';
import {
  crypto,
  hkdfExpand32,
  nonceFromBytes,
  nonceWithCounter,
  openSecretbox,
  sipKey,
  type CryptoProvider,
} from '../crypto/index.js';
import { equalBytes } from '../store/hash.js';
import { blockNonceDigest, metadataNonce } from './keyed-nonces.js';

/** Size of the plaintext chunks hbs2 cuts files into. */
export const CHUNK_SIZE = 262_144;

/** SipHash key hbs2's `store -g` uses for its deterministic tree nonce (§4.5.4). */
export const STORE_NONCE_SIP_KEY = sipKey(2716310006254639645n, 507093936407764973n);

/** The per-tree symmetric state derived from a group secret and a tree nonce. */
export interface TreeCipher {
  key0: Uint8Array;
  nonce0: Uint8Array;
  nonceS: Uint8Array;
}

/** Derives key0 and nonce0 for a tree (spec §4.5.2). */
export function treeCipher(
  secret: Uint8Array,
  nonceS: Uint8Array,
  c: CryptoProvider = crypto(),
): TreeCipher {
  return { key0: hkdfExpand32(secret, nonceS, c), nonce0: nonceFromBytes(nonceS), nonceS };
}

/** Method 2 options: the SipHash key halves (a, b) stored in the annotation. */
export interface Method2Options {
  a: bigint;
  b: bigint;
}

/** Encrypts plaintext chunk `index` (1-based) with method 1: raw secretbox bytes. */
export function encryptMethod1(
  t: TreeCipher,
  chunk: Uint8Array,
  index: bigint,
  c: CryptoProvider = crypto(),
): Uint8Array {
  return c.secretbox(chunk, nonceWithCounter(t.nonce0, index), t.key0);
}

/** Encrypts chunk `index` with method 2: CBOR `(Nonce, ciphertext)` with a SipHash nonce. */
export function encryptMethod2(
  t: TreeCipher,
  opts: Method2Options,
  chunk: Uint8Array,
  index: bigint,
  c: CryptoProvider = crypto(),
): Uint8Array {
  const s = c.sipHash24(sipKey(opts.a, opts.b), chunk);
  const nonce = nonceWithCounter(t.nonce0, BigInt.asUintN(64, index + s));
  return method2Block(nonce, c.secretbox(chunk, nonce, t.key0));
}

/** The SipHash options the keyed method-2 writer stores: (0, 0), unused by readers. */
export const KEYED_METHOD2_OPTIONS: Method2Options = { a: 0n, b: 0n };

/** Whether method-2 options mark the keyed block-nonce rule (hbs2's newer writer). */
export function isKeyedMethod2(opts: Method2Options): boolean {
  return opts.a === 0n && opts.b === 0n;
}

/**
 * Encrypts chunk `index` with method 2 and hbs2's keyed block nonce
 * (encryption-writers-addendum §2). With `expect` (the digest a first pass computed for
 * this chunk), a chunk whose content changed since is an IntegrityError.
 */
export function encryptKeyedMethod2(
  key0: Uint8Array,
  nk: Uint8Array,
  chunk: Uint8Array,
  index: bigint,
  expect?: Uint8Array,
  c: CryptoProvider = crypto(),
): Uint8Array {
  const nonce = checkedBlockNonce(nk, index, chunk, expect, c);
  return method2Block(nonce, c.secretbox(chunk, nonce, key0));
}

/**
 * The keyed nonce of chunk `index` (first 24 bytes of its block-nonce digest); with
 * `expect`, the digest a first pass computed, a chunk whose content changed since is an
 * IntegrityError, so a nonce always belongs to the bytes it seals.
 */
export function checkedBlockNonce(
  nk: Uint8Array,
  index: bigint,
  chunk: Uint8Array,
  expect?: Uint8Array,
  c: CryptoProvider = crypto(),
): Uint8Array {
  const digest = blockNonceDigest(nk, index, chunk, c);
  if (expect && !equalBytes(digest, expect)) throw new InputChangedError(CHUNK_CHANGED);
  return digest.subarray(0, 24);
}

/** The message when a chunk read in the second pass differs from the first pass. */
export const CHUNK_CHANGED = 'the input changed while it was being stored';

/** The message of a data block whose MAC does not verify (callers add the block). */
export const MAC_FAILED = 'decryption failed (MAC does not verify)';

/**
 * The message of a method-2 block whose stored nonce is not the one its content and
 * position give: a block moved, duplicated or spliced in from elsewhere.
 */
export const NONCE_MISMATCH =
  'nonce does not match its content and position (block moved, duplicated or spliced)';

/**
 * Bytes a method-2 block adds to its plaintext at most: `82`, the newtype nonce (28), the
 * byte-string head (≤ 5) and the 16-byte MAC.
 */
export const METHOD2_OVERHEAD = 1 + 28 + 5 + 16;

/** The CBOR pair `(Nonce, box)` of a method-2 block. */
export function method2Block(nonce: Uint8Array, box: Uint8Array): Uint8Array {
  const header = method2Header(nonce, box.length);
  const block = new Uint8Array(header.length + box.length);
  block.set(header);
  block.set(box, header.length);
  return block;
}

/**
 * The bytes of a method-2 block before its secretbox of `boxLength` bytes: the pair's
 * array header, the newtype nonce and the byte-string header (so a worker can seal the
 * box straight after it).
 */
export function method2Header(nonce: Uint8Array, boxLength: number): Uint8Array {
  const w = new CborWriter(40);
  w.array(2);
  writeNewtypeBytes(w, nonce);
  w.head(2, boxLength);
  return w.finish().slice();
}

/** A decoded method-2 block: the stored nonce and the secretbox. */
export interface Method2Block {
  nonce: Uint8Array;
  box: Uint8Array;
}

/** Decodes a method-2 block; the nonce must be exactly 24 bytes (addendum §5). */
export function decodeMethod2Block(stored: Uint8Array, blockName: string): Method2Block {
  const r = new CborReader(stored, `encrypted block ${blockName}`);
  const n = r.arrayLength();
  if (n !== 2) throw r.fail('expected a (nonce, ciphertext) pair');
  const nonce = readNewtypeBytes(r, 'nonce', 24);
  const box = r.bytes();
  return { nonce, box };
}

/**
 * The nonce a method-2 writer must have given plaintext chunk `index`: the keyed rule
 * for options (0, 0), else hbs2-git's SipHash rule. Readers compare it with the stored
 * nonce to detect blocks that were moved, duplicated or spliced from another tree.
 */
export function expectedMethod2Nonce(
  nonce0: Uint8Array,
  opts: Method2Options,
  nk: Uint8Array,
  plain: Uint8Array,
  index: bigint,
  c: CryptoProvider = crypto(),
): Uint8Array {
  if (isKeyedMethod2(opts)) return blockNonceDigest(nk, index, plain, c).subarray(0, 24);
  const s = c.sipHash24(sipKey(opts.a, opts.b), plain);
  return nonceWithCounter(nonce0, BigInt.asUintN(64, index + s));
}

/**
 * Decrypts one stored block of either method; a failed MAC is an IntegrityError. It does
 * not check a method-2 block's nonce against its position and content: to read a tree,
 * use `decryptTransform` (encrypted-tree.ts), which does.
 */
export function decryptBlock(
  t: TreeCipher,
  method: 1 | 2,
  stored: Uint8Array,
  index: bigint,
  blockName: string,
  c: CryptoProvider = crypto(),
): Uint8Array {
  if (method === 1)
    return openSecretbox(
      stored,
      nonceWithCounter(t.nonce0, index),
      t.key0,
      `block ${blockName}`,
      c,
    );
  const b = decodeMethod2Block(stored, blockName);
  return openSecretbox(b.box, b.nonce, t.key0, `block ${blockName}`, c);
}

/**
 * Incrementally computes hbs2's `store -g` tree nonce: BLAKE2b-256 of the CBOR list of
 * SipHash-2-4 values of every 256 KiB chunk (spec §4.5.4 step 3).
 */
export class StoreNonceBuilder {
  private readonly hash;
  private count = 0;

  constructor(private readonly c: CryptoProvider = crypto()) {
    this.hash = c.blake2b256Stream();
  }

  /**
   * Feeds the next whole chunk (all but the last must be exactly CHUNK_SIZE bytes) and
   * returns its SipHash value.
   */
  addChunk(chunk: Uint8Array): bigint {
    const w = new CborWriter(10);
    if (this.count === 0) w.beginIndefinite();
    const value = this.c.sipHash24(STORE_NONCE_SIP_KEY, chunk);
    w.int(value);
    this.hash.update(w.finish());
    this.count++;
    return value;
  }

  /** The 32-byte nonce. */
  finish(): Uint8Array {
    this.hash.update(this.count === 0 ? new Uint8Array([0x80]) : new Uint8Array([0xff]));
    return this.hash.digest();
  }
}

/** A decoded `SmallEncryptedBlock`: group key hash, nonce bytes and secretbox. */
export interface SmallEncryptedBlock {
  groupKeyHash: Uint8Array;
  nonceS: Uint8Array;
  box: Uint8Array;
}

/** Encodes `84 00 <HashRef gk> <bytes nonce> <82 00 bytes box>`. */
export function encodeSmallEncryptedBlock(b: SmallEncryptedBlock): Uint8Array {
  const w = new CborWriter(b.box.length + b.nonceS.length + 64);
  w.array(4).int(0);
  writeHashRef(w, b.groupKeyHash);
  w.bytes(b.nonceS);
  writeNewtypeBytes(w, b.box);
  return w.finish();
}

/** Decodes a SmallEncryptedBlock (trailing bytes ignored, as hbs2 does). */
export function decodeSmallEncryptedBlock(
  bytes: Uint8Array,
  what = 'encrypted block',
): SmallEncryptedBlock {
  const r = new CborReader(bytes, what);
  r.record(3, 'SmallEncryptedBlock');
  const groupKeyHash = readHashRef(r, 'group key hash');
  const nonceS = r.bytes();
  const box = readNewtypeBytes(r, 'encrypted box');
  return { groupKeyHash, nonceS, box };
}

/** CBOR of `ShortMetadata text` (`82 01 <text>`), the plaintext of encrypted metadata. */
export function encodeShortMetadata(text: string): Uint8Array {
  return new CborWriter(text.length + 8).array(2).int(1).text(text).finish();
}

/**
 * Encrypts the metadata of the tree whose nonce is `treeNonce` under the keyed metadata
 * nonce `m` (keyed-nonces.ts): key `HKDF-Expand(secret, m)`, secretbox nonce `m[0..24)`.
 * Different texts never share a key and nonce; the same text of the same tree under the
 * same secret gives the same block.
 */
export function encryptMetadata(
  secret: Uint8Array,
  treeNonce: Uint8Array,
  groupKeyHash: Uint8Array,
  text: string,
  c: CryptoProvider = crypto(),
): Uint8Array {
  const plaintext = encodeShortMetadata(text);
  const nonceS = metadataNonce(secret, treeNonce, plaintext, c);
  const t = treeCipher(secret, nonceS, c);
  const box = c.secretbox(plaintext, t.nonce0, t.key0);
  return encodeSmallEncryptedBlock({ groupKeyHash, nonceS, box });
}

/**
 * How a metadata block's nonce was made, judged from its decrypted plaintext and the
 * tree's nonce: `keyed` (this toolkit, bound to the tree), `hash` (hbs2-cli's and the
 * fork's `H(plaintext)`, not bound to any tree), `tree-nonce` (hbs2-core's older
 * `createEncryptedTree`, which reuses the tree's nonce), or `unknown` — a nonce no known
 * writer gives this text in this tree, e.g. a block taken from another tree.
 */
export type MetadataNonceRule = 'keyed' | 'hash' | 'tree-nonce' | 'unknown';

/** Decrypted metadata: the text and how its nonce was made. */
export interface OpenedMetadata {
  text: string;
  nonceRule: MetadataNonceRule;
}

/**
 * Opens encrypted metadata and checks its nonce against its text and `treeNonce` (the
 * annotation's `nonceS`; without it only the unbound `hash` rule can match). The payload
 * must be `ShortMetadata text`.
 */
export function openMetadata(
  block: SmallEncryptedBlock,
  secret: Uint8Array,
  treeNonce?: Uint8Array,
  c: CryptoProvider = crypto(),
): OpenedMetadata {
  const t = treeCipher(secret, block.nonceS, c);
  const plain = openSecretbox(block.box, t.nonce0, t.key0, 'metadata block', c);
  const r = new CborReader(plain, 'decrypted metadata');
  const tag = r.constructorOf({ 0: 0, 1: 1, 2: 1 }, 'metadata');
  if (tag !== 1) throw r.fail('encrypted metadata is not short text metadata');
  const text = r.text();
  const n = block.nonceS;
  const nonceRule: MetadataNonceRule =
    treeNonce && equalBytes(n, metadataNonce(secret, treeNonce, plain, c))
      ? 'keyed'
      : equalBytes(n, c.blake2b256(plain))
        ? 'hash'
        : treeNonce && equalBytes(n, treeNonce)
          ? 'tree-nonce'
          : 'unknown';
  return { text, nonceRule };
}

/** Opens encrypted metadata; the payload must be `ShortMetadata text`. */
export function decryptMetadata(
  block: SmallEncryptedBlock,
  secret: Uint8Array,
  c: CryptoProvider = crypto(),
): string {
  return openMetadata(block, secret, undefined, c).text;
}
