/**
 * NCQ3 section framing (spec ncq3-storage §6): a data file is a plain concatenation of
 * `u32be(S) ‖ key(32) ‖ prefix(4) ‖ payload(S − 36)` records. This module knows the byte
 * layout only; reading files is data-file.ts's job.
 */
import { decodeBase58 } from '../../codec/base58.js';
import { crypto } from '../../crypto/index.js';

/** Bytes of the size field that starts every section. */
export const SIZE_FIELD = 4;
/** Bytes of a section's key. */
export const KEY_LENGTH = 32;
/** Bytes of the kind prefix (`B;;\0` …) that starts every payload. */
export const PREFIX_LENGTH = 4;
/** Bytes before the payload: size field, key, prefix. */
export const HEADER_LENGTH = SIZE_FIELD + KEY_LENGTH + PREFIX_LENGTH;
/**
 * A located section at most this long (a tombstone, or an empty block, which hbs2 cannot
 * tell apart on disk) reads as deleted, without looking at the file (§9.2).
 */
export const TOMBSTONE_LENGTH = HEADER_LENGTH;
/** Length of a tail record (§6.6): the header and a u64be payload. */
export const TAIL_LENGTH = HEADER_LENGTH + 8;
/** Payload length of a ref record: value hash ‖ unsalted ref key (§6.5). */
export const REF_PAYLOAD_LENGTH = 64;

/** What a section holds, from its 4-byte prefix (§6.2). */
export type SectionKind = 'block' | 'ref' | 'tombstone' | 'tail' | 'unknown';

const PREFIXES: Readonly<Record<string, SectionKind>> = {
  'B;;\0': 'block',
  'R;;\0': 'ref',
  'T;;\0': 'tombstone',
  'M;;\0': 'tail',
};

/** The kind named by the 4 prefix bytes at `at` in `bytes`. */
export function sectionKind(bytes: Uint8Array, at: number): SectionKind {
  if (at + PREFIX_LENGTH > bytes.length) return 'unknown';
  const text = String.fromCharCode(bytes[at]!, bytes[at + 1]!, bytes[at + 2]!, bytes[at + 3]!);
  return PREFIXES[text] ?? 'unknown';
}

/** `u32be` at `at`. */
export function readU32(bytes: Uint8Array, at: number): number {
  return new DataView(bytes.buffer, bytes.byteOffset + at, 4).getUint32(0);
}

/** `u64be` at `at` as a bigint (file keys and offsets can exceed 2^53 in hostile files). */
export function readU64(bytes: Uint8Array, at: number): bigint {
  return new DataView(bytes.buffer, bytes.byteOffset + at, 8).getBigUint64(0);
}

/** Byte-wise equality of `a` and `b[at, at + a.length)`. */
export function bytesEqualAt(a: Uint8Array, b: Uint8Array, at: number): boolean {
  if (at + a.length > b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[at + i]) return false;
  return true;
}

/**
 * Whether the `TAIL_LENGTH` bytes at `at` of `bytes` are a consistent tail record ending at
 * file offset `end`: an `M` section of the right size whose payload is `u64be(end)` and
 * whose key is the hash of that payload (§6.8 step 3).
 */
export function isValidTail(bytes: Uint8Array, at: number, end: number): boolean {
  if (at + TAIL_LENGTH > bytes.length) return false;
  if (readU32(bytes, at) !== TAIL_LENGTH - SIZE_FIELD) return false;
  if (sectionKind(bytes, at + SIZE_FIELD + KEY_LENGTH) !== 'tail') return false;
  const payload = bytes.subarray(at + HEADER_LENGTH, at + TAIL_LENGTH);
  if (readU64(payload, 0) !== BigInt(end)) return false;
  return bytesEqualAt(crypto().blake2b256(payload), bytes, at + SIZE_FIELD);
}

/** The salt NCQ3 mixes into every ref key (§6.5), the same for every store. */
const REF_SALT = decodeBase58('EstEFasxrCFqsGDxcY4haFcha9e4ZHRzsPbGUmDfdxLk', 'NCQ3 ref salt');

/** The key a ref is stored under: `H(k ‖ salt)` for the ref key hash `k` (§6.5). */
export function saltedRefKey(refKeyHash: Uint8Array): Uint8Array {
  const both = new Uint8Array(KEY_LENGTH * 2);
  both.set(refKeyHash, 0);
  both.set(REF_SALT, KEY_LENGTH);
  return crypto().blake2b256(both);
}
