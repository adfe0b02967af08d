/**
 * Group-secret encryption of tree blocks and of small blocks (hbs2's GroupKeySymm:
 * spec blocks-trees-storage §4.5, keys-and-groupkeys §6).
 *
 * Per tree: key0 = HKDF-Expand(secret, nonceS), nonce0 = first 24 bytes of nonceS.
 * Method 1 stores secretbox(chunk, nonce0 ⊕ i, key0) raw; method 2 stores the CBOR pair
 * (nonce, box) with a content-dependent nonce. Counters start at 1; 0 is the metadata's.
 */
import { CborReader, CborWriter } from '../codec/cbor.js';
import { readHashRef, readNewtypeBytes, writeHashRef, writeNewtypeBytes } from '../codec/hbs2.js';
import {
  crypto,
  hkdfExpand32,
  nonceFromBytes,
  nonceWithCounter,
  openSecretbox,
  sipKey,
  type CryptoProvider,
} from '../crypto/index.js';

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
  const box = c.secretbox(chunk, nonce, t.key0);
  const w = new CborWriter(box.length + 40);
  w.array(2);
  writeNewtypeBytes(w, nonce);
  w.bytes(box);
  return w.finish();
}

/** Decrypts a stored block of either method; a failed MAC is an IntegrityError. */
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
  const r = new CborReader(stored, `encrypted block ${blockName}`);
  const n = r.arrayLength();
  if (n !== 2) throw r.fail('expected a (nonce, ciphertext) pair');
  const nonce = readNewtypeBytes(r, 'nonce', 24);
  const box = r.bytes();
  return openSecretbox(box, nonce, t.key0, `block ${blockName}`, c);
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

  /** Feeds the next whole chunk (all but the last must be exactly CHUNK_SIZE bytes). */
  addChunk(chunk: Uint8Array): void {
    const w = new CborWriter(10);
    if (this.count === 0) w.beginIndefinite();
    w.int(this.c.sipHash24(STORE_NONCE_SIP_KEY, chunk));
    this.hash.update(w.finish());
    this.count++;
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
 * Encrypts tree metadata as hbs2's createEncryptedTree does: with the tree's key0 and the
 * unmodified nonce0 (counter 0, never used by data blocks).
 */
export function encryptMetadata(
  secret: Uint8Array,
  nonceS: Uint8Array,
  groupKeyHash: Uint8Array,
  text: string,
  c: CryptoProvider = crypto(),
): Uint8Array {
  const t = treeCipher(secret, nonceS, c);
  const box = c.secretbox(encodeShortMetadata(text), t.nonce0, t.key0);
  return encodeSmallEncryptedBlock({ groupKeyHash, nonceS, box });
}

/** Opens encrypted metadata; the payload must be `ShortMetadata text`. */
export function decryptMetadata(
  block: SmallEncryptedBlock,
  secret: Uint8Array,
  c: CryptoProvider = crypto(),
): string {
  const t = treeCipher(secret, block.nonceS, c);
  const plain = openSecretbox(block.box, t.nonce0, t.key0, 'metadata block', c);
  const r = new CborReader(plain, 'decrypted metadata');
  const tag = r.constructorOf({ 0: 0, 1: 1, 2: 1 }, 'metadata');
  if (tag !== 1) throw r.fail('encrypted metadata is not short text metadata');
  return r.text();
}
