/**
 * hbs2's recurring CBOR shapes: saltine/hash newtypes (`82 00 <bytes>`), `HashRef`
 * (`82 00 82 00 58 20 <32>`), Maybe, and lists that are indefinite when non-empty.
 */
import { CborReader, CborWriter } from './cbor.js';

/** Writes a stock-Generic newtype over strict bytes: `82 00 <bytes>`. */
export function writeNewtypeBytes(w: CborWriter, bytes: Uint8Array): CborWriter {
  return w.array(2).int(0).bytes(bytes);
}

/**
 * Reads `82 00 <bytes>`. When `length` is given the payload must have exactly that many
 * bytes (hbs2 does not check; we do, and say so in the error).
 */
export function readNewtypeBytes(r: CborReader, name: string, length?: number): Uint8Array {
  const at = r.pos;
  r.record(1, name);
  const b = r.bytes();
  if (length !== undefined && b.length !== length)
    throw r.fail(`${name} must be ${length} bytes, got ${b.length}`, at);
  return b;
}

/** Writes a bare `Hash HbSync`: `82 00 58 20 <32>`. */
export function writeHash(w: CborWriter, hash: Uint8Array): CborWriter {
  return writeNewtypeBytes(w, hash);
}

/** Reads a bare `Hash HbSync` of exactly 32 bytes. */
export function readHash(r: CborReader, name = 'hash'): Uint8Array {
  return readNewtypeBytes(r, name, 32);
}

/** Writes a `HashRef`: `82 00 82 00 58 20 <32>`. */
export function writeHashRef(w: CborWriter, hash: Uint8Array): CborWriter {
  w.array(2).int(0);
  return writeHash(w, hash);
}

/** Reads a `HashRef` of exactly 32 bytes. */
export function readHashRef(r: CborReader, name = 'hash ref'): Uint8Array {
  r.record(1, name);
  return readHash(r, name);
}

/** Writes a Haskell list: `80` when empty, else `9f … ff` (always indefinite). */
export function writeList<T>(
  w: CborWriter,
  items: readonly T[],
  item: (w: CborWriter, x: T) => void,
): CborWriter {
  if (items.length === 0) return w.array(0);
  w.beginIndefinite();
  for (const x of items) item(w, x);
  return w.end();
}

/** Writes a Haskell `Maybe`: `80` for null, `81 x` otherwise. */
export function writeMaybe<T>(
  w: CborWriter,
  value: T | null | undefined,
  item: (w: CborWriter, x: T) => void,
): CborWriter {
  if (value === null || value === undefined) return w.array(0);
  w.array(1);
  item(w, value);
  return w;
}
