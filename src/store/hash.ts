/**
 * Block hashes: BLAKE2b-256 of the block bytes, shown as base58 (spec §2.1, §2.3).
 */
import { decodeBase58, encodeBase58 } from '../codec/base58.js';
import { crypto, type CryptoProvider } from '../crypto/index.js';
import { FormatError, IntegrityError } from '../errors.js';

/** Length in bytes of every block hash. */
export const HASH_LENGTH = 32;

/**
 * The BLAKE2b-256 of `block`, i.e. its key in the store.
 * @param block - the block's bytes
 * @returns its 32-byte hash
 */
export function hashBlock(block: Uint8Array): Uint8Array {
  return crypto().blake2b256(block);
}

/**
 * The base58 text of a hash, as hbs2 prints it.
 * @param hash - a hash
 * @returns its base58 text
 */
export function hashToString(hash: Uint8Array): string {
  return encodeBase58(hash);
}

/**
 * Parses a base58 hash. Anything but base58 of exactly 32 bytes is a FormatError whose
 * message starts with `what` (for a CLI argument, name the argument).
 * @param text - base58 text
 * @param what - names the text in error messages
 * @returns the 32-byte hash
 * @throws {@link FormatError} otherwise
 */
export function parseHash(text: string, what = 'hash'): Uint8Array {
  if (text.length === 0) throw new FormatError(`${what}: empty hash`);
  const bytes = decodeBase58(text, what);
  if (bytes.length !== HASH_LENGTH)
    throw new FormatError(
      `${what}: a hash is base58 of exactly ${HASH_LENGTH} bytes, this decodes to ${bytes.length}`,
    );
  return bytes;
}

/** Byte-wise equality of two hashes (or any byte strings). */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Checks that `block` hashes to `hash` (with `c`, default the process's backend; worker
 * threads pass their own); throws an IntegrityError naming the block otherwise. Returns
 * the block for chaining.
 */
export function verifyBlock(
  hash: Uint8Array,
  block: Uint8Array,
  c: Pick<CryptoProvider, 'blake2b256'> = crypto(),
): Uint8Array {
  const actual = c.blake2b256(block);
  if (!equalBytes(actual, hash))
    throw new IntegrityError(
      `block ${hashToString(hash)} is corrupt: its ${block.length} bytes hash to ${hashToString(actual)}`,
      { hint: 'run `hbs2 fsck --repair` to quarantine corrupt blocks' },
    );
  return block;
}
