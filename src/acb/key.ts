/** Parsing base58 keys and hashes given as arguments. */
import { decodeBase58 } from '../codec/base58.js';
import { FormatError } from '../errors.js';

const BASE58_RE = /^[1-9A-HJ-NP-Za-km-z]+$/;

/**
 * Decodes base58 of exactly 32 bytes (a public key or a hash). Anything else is a
 * FormatError naming `what`, the argument, without repeating its text.
 */
export function parseBase58Key(text: string, what: string): Uint8Array {
  const t = text.trim();
  if (!BASE58_RE.test(t)) throw new FormatError(`${what}: not base58 text`);
  const bytes = decodeBase58(t, what);
  if (bytes.length !== 32)
    throw new FormatError(`${what}: expected base58 of 32 bytes, got ${bytes.length} bytes`);
  return bytes;
}
