/**
 * LWWRef, hbs2's "last write wins" pointer (spec refs-and-lwwref §6): its bytes, the
 * order in which hbs2 lets one value replace another, and its printed form.
 *
 * ```
 * LWWRef = 84 00 <seq: Word64> <value: HashRef> <proof: Maybe HashRef>
 * ```
 */
import { encodeBase58 } from '../codec/base58.js';
import { CborReader, CborWriter } from '../codec/cbor.js';
import { readHashRef, writeHashRef, writeMaybe } from '../codec/hbs2.js';
import { FormatError } from '../errors.js';

/** Largest sequence number (hbs2's `seq` is a Word64). */
export const MAX_LWWREF_SEQ = (1n << 64n) - 1n;

/** One value of an LWW ref. */
export interface LwwRef {
  /** Sequence number, 0 … 2^64 − 1. */
  seq: bigint;
  /** The 32-byte hash the ref points to (often a Merkle root). */
  value: Uint8Array;
  /** An optional 32-byte hash no hbs2 code interprets; hbs2's CLIs always write none. */
  proof: Uint8Array | null;
}

/** Encodes an LWWRef (the payload hbs2 signs into a SignedBox). */
export function encodeLwwRef(ref: LwwRef): Uint8Array {
  if (ref.seq < 0n || ref.seq > MAX_LWWREF_SEQ)
    throw new FormatError(`lwwref: seq ${ref.seq} is outside 0 … 2^64-1`);
  for (const [name, h] of [
    ['value', ref.value],
    ['proof', ref.proof],
  ] as const)
    if (h !== null && h.length !== 32)
      throw new FormatError(`lwwref: ${name} must be a 32-byte hash, got ${h.length} bytes`);
  const w = new CborWriter(96);
  w.array(4).int(0).int(ref.seq);
  writeHashRef(w, ref.value);
  writeMaybe(w, ref.proof, writeHashRef);
  return w.finish();
}

/** Decodes an LWWRef; trailing bytes are ignored as hbs2 ignores them. */
export function decodeLwwRef(bytes: Uint8Array, what = 'lwwref'): LwwRef {
  const r = new CborReader(bytes, what);
  r.record(3, 'lwwref');
  const seq = r.uint64();
  const value = new Uint8Array(readHashRef(r, 'lwwref value'));
  const proof = r.maybe((r) => new Uint8Array(readHashRef(r, 'lwwref proof')));
  return { seq, value, proof };
}

/** Unsigned lexicographic comparison of two byte strings (Haskell's derived `Ord`). */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

/**
 * hbs2's order of LWW values (§6.2): by `seq`, then by `value` as unsigned bytes; `proof`
 * plays no part. Negative when `a` loses to `b`, 0 when neither replaces the other.
 */
export function compareLwwRefs(a: LwwRef, b: LwwRef): number {
  if (a.seq !== b.seq) return a.seq < b.seq ? -1 : 1;
  return Math.sign(compareBytes(a.value, b.value));
}

/**
 * Whether hbs2 replaces `current` with `candidate`: always when there is no (valid)
 * current value, otherwise iff the candidate is strictly greater in {@link compareLwwRefs}.
 */
export function replacesLwwRef(candidate: LwwRef, current: LwwRef | null): boolean {
  return current === null || compareLwwRefs(candidate, current) > 0;
}

/**
 * The printed form of `hbs2-peer lwwref get` (§6.5), without hbs2-peer's final newline:
 * `(lwwref`, `  (seq N)`, `  (value "B58")`, `  )`; with a proof the third line is
 * `  (proof B58))` and there is no fourth.
 * @param ref - the ref value
 * @returns its printed form
 */
export function formatLwwRef(ref: LwwRef): string {
  const lines = ['(lwwref', `  (seq ${ref.seq})`, `  (value "${encodeBase58(ref.value)}")`];
  if (ref.proof === null) lines.push('  )');
  else lines.push(`  (proof ${encodeBase58(ref.proof)}))`);
  return lines.join('\n');
}
