/** The one interface through which the toolkit uses cryptography. */

/** An incremental BLAKE2b-256 hasher. */
export interface IncrementalHash {
  update(data: Uint8Array): IncrementalHash;
  digest(): Uint8Array;
}

/** A public/secret key pair. */
export interface KeyPair {
  publicKey: Uint8Array;
  secretKey: Uint8Array;
}

/**
 * Primitives hbs2 uses (spec keys-and-groupkeys §3.1, §5.3, §6). Two backends implement
 * it byte for byte identically: `js` (tweetnacl + @noble/hashes) and `native` (libsodium).
 * Failures to open a box are reported as `null`; callers turn that into IntegrityError.
 */
export interface CryptoProvider {
  readonly name: 'js' | 'native';
  /** BLAKE2b with a 32-byte digest (hbs2's block hash). */
  blake2b256(data: Uint8Array): Uint8Array;
  /** Incremental BLAKE2b-256. */
  blake2b256Stream(): IncrementalHash;
  /** BLAKE2b with an arbitrary digest length (24 for sealed-box nonces). */
  blake2b(data: Uint8Array, outLen: number): Uint8Array;
  /** XSalsa20-Poly1305: 16-byte MAC ‖ ciphertext. */
  secretbox(message: Uint8Array, nonce: Uint8Array, key: Uint8Array): Uint8Array;
  /** Opens a secretbox; null when the MAC does not verify. */
  secretboxOpen(box: Uint8Array, nonce: Uint8Array, key: Uint8Array): Uint8Array | null;
  /**
   * {@link CryptoProvider.secretbox} written into `out` (at least `message.length + 16`
   * bytes, not overlapping `message`); returns the part of `out` written. Block pipelines
   * reuse one buffer this way instead of allocating 256 KiB per block.
   */
  secretboxInto(
    out: Uint8Array,
    message: Uint8Array,
    nonce: Uint8Array,
    key: Uint8Array,
  ): Uint8Array;
  /**
   * {@link CryptoProvider.secretboxOpen} into `out` (at least `box.length - 16` bytes, not
   * overlapping `box`); the part of `out` written, or null when the MAC does not verify.
   */
  secretboxOpenInto(
    out: Uint8Array,
    box: Uint8Array,
    nonce: Uint8Array,
    key: Uint8Array,
  ): Uint8Array | null;
  /** A fresh X25519 key pair. */
  boxKeyPair(): KeyPair;
  /** The X25519 key pair of a 32-byte secret key. */
  boxKeyPairFromSecret(secretKey: Uint8Array): KeyPair;
  /**
   * libsodium `crypto_box_seal`: epk ‖ box(message). A recipient key that is not 32 bytes
   * or is of small order is a FormatError (`checkRecipientKey`).
   */
  sealedBox(message: Uint8Array, recipientPublicKey: Uint8Array): Uint8Array;
  /**
   * libsodium `crypto_box_seal_open`; null when it does not open, including when the
   * ephemeral key is of small order (an all-zero shared secret).
   */
  sealedBoxOpen(
    sealed: Uint8Array,
    publicKey: Uint8Array,
    secretKey: Uint8Array,
  ): Uint8Array | null;
  /** Ed25519 key pair from a 32-byte seed; secret key = seed ‖ public key. */
  signKeyPairFromSeed(seed: Uint8Array): KeyPair;
  /** Detached Ed25519 signature with a 64-byte secret key. */
  sign(message: Uint8Array, secretKey: Uint8Array): Uint8Array;
  /** Verifies a detached Ed25519 signature. */
  verify(message: Uint8Array, signature: Uint8Array, publicKey: Uint8Array): boolean;
  /**
   * SipHash-2-4 with a 16-byte key (LE64(k0) ‖ LE64(k1), as Haskell's `memory` package
   * builds it) returning the 64-bit output as an unsigned bigint.
   */
  sipHash24(key: Uint8Array, message: Uint8Array): bigint;
  /** Cryptographically secure random bytes. */
  randomBytes(n: number): Uint8Array;
}
