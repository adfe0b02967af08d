/**
 * The nonce rules of the default encrypted-tree writer.
 *
 * - Data blocks: hbs2's newer method-2 writer (encryption-writers-addendum §2): block-nonce
 *   key `nk = HKDF-Expand(secret, "hbs2-block-nonce")`, and chunk `i` (from 1) gets the
 *   first 24 bytes of `H(nk ‖ u64be(i) ‖ chunk)`. Different chunks never share a nonce,
 *   and a reader holding the secret can recompute every nonce to detect substitution.
 * - Tree nonce `nonceS` (this toolkit's rule, docs/formats.md): a MAC keyed by the group
 *   secret over the chunks' block-nonce digests, so members get deduplication (same
 *   content and secret → same root) and outsiders cannot confirm a guessed content.
 * - Metadata nonce (this toolkit's rule, docs/formats.md): a MAC keyed by the group secret
 *   over the tree nonce and `serialise(ShortMetadata text)`, so two different texts never
 *   share a key and nonce, a guessed text cannot be confirmed without the secret, and a
 *   metadata block moved to another tree is recognised as foreign.
 *
 * Readers take every nonce from the stored bytes, so hbs2 reads all of this unchanged.
 */
import { crypto, hkdfExpand32, type CryptoProvider } from '../crypto/index.js';

const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);

/** HKDF info of hbs2's block-nonce key (addendum §2 step 3). */
export const BLOCK_NONCE_INFO = ascii('hbs2-block-nonce');
/** HKDF info of this toolkit's tree-nonce MAC key (docs/formats.md). */
export const TREE_NONCE_INFO = ascii('hbs2tk-tree-nonce');
/** HKDF info of this toolkit's metadata-nonce MAC key (docs/formats.md). */
export const METADATA_NONCE_INFO = ascii('hbs2tk-metadata-nonce');

/** hbs2's block-nonce key `nk` of a group secret. */
export function blockNonceKey(secret: Uint8Array, c: CryptoProvider = crypto()): Uint8Array {
  return hkdfExpand32(secret, BLOCK_NONCE_INFO, c);
}

/**
 * The 32-byte digest `H(nk ‖ u64be(index) ‖ chunk)` whose first 24 bytes are chunk
 * `index`'s nonce. The whole digest is kept by the writer's first pass: it also feeds
 * the tree nonce and re-checks the chunk in the second pass.
 */
export function blockNonceDigest(
  nk: Uint8Array,
  index: bigint,
  chunk: Uint8Array,
  c: CryptoProvider = crypto(),
): Uint8Array {
  // One contiguous message for the one-shot hash (the native backend's fast BLAKE2b has
  // no incremental form): copying 256 KiB costs a few percent of hashing it.
  const n = 40 + chunk.length;
  if (digestScratch.length < n) digestScratch = new Uint8Array(n);
  const msg = digestScratch.subarray(0, n);
  msg.set(nk);
  new DataView(msg.buffer, msg.byteOffset).setBigUint64(32, BigInt.asUintN(64, index));
  msg.set(chunk, 40);
  return c.blake2b256(msg);
}

/** The message buffer of {@link blockNonceDigest}, reused (one per thread). */
let digestScratch = new Uint8Array(0);

/** The 24-byte nonce of chunk `index` (the first 24 bytes of its digest). */
export function blockNonce(
  nk: Uint8Array,
  index: bigint,
  chunk: Uint8Array,
  c: CryptoProvider = crypto(),
): Uint8Array {
  return blockNonceDigest(nk, index, chunk, c).subarray(0, 24);
}

/**
 * Incremental HMAC-BLAKE2b-256 (128-byte block, as {@link hmacBlake2b256}), so that a
 * message of any length (one digest per chunk of a big file) is never held whole.
 */
export class IncrementalHmac {
  private readonly inner;
  private readonly outerPad: Uint8Array;

  constructor(
    key: Uint8Array,
    private readonly c: CryptoProvider = crypto(),
  ) {
    const k = new Uint8Array(128);
    k.set(key.length > 128 ? c.blake2b256(key) : key);
    const ipad = k.map((b) => b ^ 0x36);
    this.outerPad = k.map((b) => b ^ 0x5c);
    this.inner = c.blake2b256Stream().update(ipad);
  }

  update(data: Uint8Array): this {
    this.inner.update(data);
    return this;
  }

  digest(): Uint8Array {
    return this.c.blake2b256Stream().update(this.outerPad).update(this.inner.digest()).digest();
  }
}

/**
 * Builds the keyed tree nonce: `HMAC(HKDF-Expand(secret, "hbs2tk-tree-nonce"),
 * digest_1 ‖ … ‖ digest_n)` over the block-nonce digests of the content's chunks in
 * order (nothing for empty content).
 */
export class KeyedTreeNonceBuilder {
  private readonly mac: IncrementalHmac;

  constructor(secret: Uint8Array, c: CryptoProvider = crypto()) {
    this.mac = new IncrementalHmac(hkdfExpand32(secret, TREE_NONCE_INFO, c), c);
  }

  /** Feeds the next chunk's block-nonce digest (from {@link blockNonceDigest}). */
  addDigest(digest: Uint8Array): void {
    this.mac.update(digest);
  }

  /** The 32-byte `nonceS`. */
  finish(): Uint8Array {
    return this.mac.digest();
  }
}

/**
 * The keyed metadata nonce `m = HMAC(HKDF-Expand(secret, "hbs2tk-metadata-nonce"),
 * u32be(len nonceS) ‖ nonceS ‖ plaintext)`, where `plaintext` is
 * `serialise(ShortMetadata text)` and `nonceS` the tree's nonce. Binding the tree nonce in
 * means a metadata block moved to another tree no longer matches there. The block is
 * sealed with key `HKDF-Expand(secret, m)` and nonce `m[0..24)`.
 */
export function metadataNonce(
  secret: Uint8Array,
  treeNonce: Uint8Array,
  plaintext: Uint8Array,
  c: CryptoProvider = crypto(),
): Uint8Array {
  const length = new Uint8Array(4);
  new DataView(length.buffer).setUint32(0, treeNonce.length);
  return new IncrementalHmac(hkdfExpand32(secret, METADATA_NONCE_INFO, c), c)
    .update(length)
    .update(treeNonce)
    .update(plaintext)
    .digest();
}
