/**
 * CBOR with the conventions of Haskell's `serialise`/cborg (spec keys-and-groupkeys §1):
 * minimal heads on output; a strict, hostile-input-safe reader on input.
 *
 * The reader never allocates more than the input it was given: every declared length is
 * checked against the bytes that remain before anything is sliced, and nesting is bounded.
 */
import { FormatError } from '../errors.js';

/** Deepest nesting the generic reader accepts before giving up with a FormatError. */
export const MAX_CBOR_DEPTH = 256;

const TWO_64 = 1n << 64n;
const textEncoder = new TextEncoder();
// ignoreBOM keeps a leading U+FEFF in the text: by default TextDecoder silently drops it,
// so a Text starting with a BOM would not round-trip (Haskell's decodeUtf8 keeps it).
const textDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Appends CBOR items to a growable buffer, always using the shortest head. */
export class CborWriter {
  private buf: Uint8Array;
  private len = 0;

  constructor(initialSize = 256) {
    this.buf = new Uint8Array(initialSize);
  }

  private ensure(extra: number): void {
    if (this.len + extra <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + extra) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  /** Writes a head of the given major type with a minimal-length argument. */
  head(major: number, value: number | bigint): this {
    const m = major << 5;
    const v = typeof value === 'bigint' ? value : BigInt(value);
    if (v < 0n || v >= TWO_64) throw new RangeError(`cbor head value out of range: ${v}`);
    this.ensure(9);
    const b = this.buf;
    if (v < 24n) {
      b[this.len++] = m | Number(v);
    } else if (v < 0x100n) {
      b[this.len++] = m | 24;
      b[this.len++] = Number(v);
    } else if (v < 0x10000n) {
      b[this.len++] = m | 25;
      b[this.len++] = Number(v >> 8n);
      b[this.len++] = Number(v & 0xffn);
    } else if (v < 0x100000000n) {
      b[this.len++] = m | 26;
      new DataView(b.buffer, b.byteOffset).setUint32(this.len, Number(v));
      this.len += 4;
    } else {
      b[this.len++] = m | 27;
      new DataView(b.buffer, b.byteOffset).setBigUint64(this.len, v);
      this.len += 8;
    }
    return this;
  }

  /** An integer: major 0 for ≥ 0, major 1 for negatives (−1 − n). */
  int(value: number | bigint): this {
    const v = typeof value === 'bigint' ? value : BigInt(value);
    return v >= 0n ? this.head(0, v) : this.head(1, -1n - v);
  }

  /** A definite byte string (Haskell strict ByteString). */
  bytes(data: Uint8Array): this {
    this.head(2, data.length);
    return this.raw(data);
  }

  /** A definite UTF-8 text string (Haskell Text / String). */
  text(value: string): this {
    return this.bytesOfMajor(3, textEncoder.encode(value));
  }

  private bytesOfMajor(major: number, data: Uint8Array): this {
    this.head(major, data.length);
    return this.raw(data);
  }

  /** A definite array head for `n` items. */
  array(n: number): this {
    return this.head(4, n);
  }

  /** A definite map head for `n` pairs. */
  map(n: number): this {
    return this.head(5, n);
  }

  /** Opens an indefinite array (`9f`); close it with {@link end}. */
  beginIndefinite(): this {
    return this.byte(0x9f);
  }

  /** The break byte `ff` closing an indefinite item. */
  end(): this {
    return this.byte(0xff);
  }

  /** A single raw byte. */
  byte(b: number): this {
    this.ensure(1);
    this.buf[this.len++] = b & 0xff;
    return this;
  }

  /** Raw bytes appended as they are (an already encoded item). */
  raw(data: Uint8Array): this {
    this.ensure(data.length);
    this.buf.set(data, this.len);
    this.len += data.length;
    return this;
  }

  /** The bytes written so far (a copy-free view). */
  finish(): Uint8Array {
    return this.buf.subarray(0, this.len);
  }
}

/** What a head says: major type, argument, and whether it was indefinite. */
export interface CborHead {
  major: number;
  /** The argument; a bigint only when it does not fit a safe integer. */
  value: number | bigint;
  indefinite: boolean;
  /** Offset of the head's first byte. */
  offset: number;
}

/** A value produced by the generic reader (used for inspection and fuzzing). */
export type CborValue =
  | number
  | bigint
  | boolean
  | null
  | undefined
  | string
  | Uint8Array
  | CborValue[]
  | Map<CborValue, CborValue>
  | { tag: number | bigint; value: CborValue }
  | { simple: number };

/** Strict sequential reader over one buffer. Every error is a FormatError. */
export class CborReader {
  pos = 0;

  constructor(
    readonly data: Uint8Array,
    /** What is being decoded, used as the prefix of error messages. */
    readonly what = 'cbor',
  ) {}

  /** Number of bytes not read yet. */
  get remaining(): number {
    return this.data.length - this.pos;
  }

  /** A FormatError prefixed with what is being decoded and the offset. */
  fail(message: string, at = this.pos): FormatError {
    return new FormatError(`${this.what}: ${message} at byte ${at}`);
  }

  /** Looks at the next byte without consuming it. */
  peekByte(): number {
    const b = this.data[this.pos];
    if (b === undefined) throw this.fail('unexpected end of input');
    return b;
  }

  /** Reads one head. Reserved additional-info values (28–30) are errors. */
  head(): CborHead {
    const offset = this.pos;
    const ib = this.peekByte();
    this.pos++;
    const major = ib >> 5;
    const info = ib & 0x1f;
    if (info < 24) return { major, value: info, indefinite: false, offset };
    if (info === 31) {
      if (major === 0 || major === 1 || major === 6)
        throw this.fail(`indefinite length not allowed for major type ${major}`, offset);
      return { major, value: 0, indefinite: true, offset };
    }
    if (info > 27) throw this.fail(`reserved head byte 0x${ib.toString(16)}`, offset);
    const width = 1 << (info - 24);
    if (this.remaining < width) throw this.fail('unexpected end of input');
    const dv = new DataView(this.data.buffer, this.data.byteOffset + this.pos, width);
    let value: number | bigint;
    if (width === 1) value = dv.getUint8(0);
    else if (width === 2) value = dv.getUint16(0);
    else if (width === 4) value = dv.getUint32(0);
    else {
      const big = dv.getBigUint64(0);
      value = big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
    }
    this.pos += width;
    return { major, value, indefinite: false, offset };
  }

  /** Reads a head and insists on its major type (and on a definite length). */
  expect(major: number, name: string): number | bigint {
    const h = this.head();
    if (h.major !== major || h.indefinite) throw this.fail(`expected ${name}`, h.offset);
    return h.value;
  }

  /** Converts a declared length to a number, refusing anything beyond the input. */
  private length(value: number | bigint, perItem: number, offset: number): number {
    if (typeof value === 'bigint' || value * perItem > this.remaining)
      throw this.fail(`declared length ${value} exceeds the remaining input`, offset);
    return value;
  }

  /** An unsigned integer that must fit a JS safe integer. */
  uint(): number {
    const at = this.pos;
    const v = this.expect(0, 'unsigned integer');
    if (typeof v === 'bigint') throw this.fail('integer too large', at);
    return v;
  }

  /** An unsigned 64-bit integer as a bigint. */
  uint64(): bigint {
    return BigInt(this.expect(0, 'unsigned integer'));
  }

  /** A signed integer (major 0 or 1) as a bigint. */
  int(): bigint {
    const h = this.head();
    if (h.major === 0) return BigInt(h.value);
    if (h.major === 1) return -1n - BigInt(h.value);
    throw this.fail('expected integer', h.offset);
  }

  /** A definite byte string (a view into the input, not a copy). */
  bytes(): Uint8Array {
    const at = this.pos;
    const n = this.length(this.expect(2, 'byte string'), 1, at);
    const out = this.data.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /** A definite UTF-8 text string; invalid UTF-8 is a FormatError. */
  text(): string {
    const at = this.pos;
    const n = this.length(this.expect(3, 'text string'), 1, at);
    const slice = this.data.subarray(this.pos, this.pos + n);
    this.pos += n;
    try {
      return textDecoder.decode(slice);
    } catch {
      throw this.fail('invalid UTF-8 in text string', at);
    }
  }

  /** A definite array head; returns its length. */
  arrayLength(): number {
    const at = this.pos;
    return this.length(this.expect(4, 'definite array'), 1, at);
  }

  /** An array head that may be indefinite: the length, or null for `9f`. */
  listStart(): number | null {
    const h = this.head();
    if (h.major !== 4) throw this.fail('expected array', h.offset);
    if (h.indefinite) return null;
    return this.length(h.value, 1, h.offset);
  }

  /** A definite map head; returns the number of pairs. */
  mapLength(): number {
    const at = this.pos;
    return this.length(this.expect(5, 'definite map'), 2, at);
  }

  /** True (and consumed) when the next byte is the break `ff`. */
  atBreak(): boolean {
    if (this.peekByte() === 0xff) {
      this.pos++;
      return true;
    }
    return false;
  }

  /**
   * Reads a list (definite or indefinite, as `serialise` accepts) with `item` for each
   * element. `max` bounds the number of elements accepted.
   */
  list<T>(item: (r: CborReader) => T, max = Number.MAX_SAFE_INTEGER): T[] {
    const at = this.pos;
    const n = this.listStart();
    const out: T[] = [];
    if (n === null) {
      while (!this.atBreak()) {
        if (out.length >= max) throw this.fail(`list longer than ${max} items`, at);
        out.push(item(this));
      }
    } else {
      if (n > max) throw this.fail(`list longer than ${max} items`, at);
      for (let i = 0; i < n; i++) out.push(item(this));
    }
    return out;
  }

  /**
   * A generic record or sum constructor: a definite array of `fields + 1` items whose
   * first item is the constructor index. Returns the index read.
   */
  constructorOf(expected: Record<number, number>, name: string): number {
    const at = this.pos;
    const n = this.arrayLength();
    const tagAt = this.pos;
    const tag = this.uint();
    const fields = expected[tag];
    if (fields === undefined) throw this.fail(`unknown ${name} constructor ${tag}`, tagAt);
    if (n !== fields + 1)
      throw this.fail(`${name} constructor ${tag} has ${n - 1} fields, expected ${fields}`, at);
    return tag;
  }

  /** A single-constructor generic record of `fields` fields (`array(fields+1), 00, …`). */
  record(fields: number, name: string): void {
    this.constructorOf({ 0: fields }, name);
  }

  /** A `Maybe x`: `80` or `81 x`. */
  maybe<T>(item: (r: CborReader) => T): T | null {
    const at = this.pos;
    const n = this.arrayLength();
    if (n === 0) return null;
    if (n === 1) return item(this);
    throw this.fail('expected Maybe (array of 0 or 1 items)', at);
  }

  /** Skips one complete item of any type, with bounded nesting. */
  skip(): void {
    this.value();
  }

  /** Reads one complete item of any type into a generic value (bounded nesting). */
  value(depth = 0): CborValue {
    if (depth > MAX_CBOR_DEPTH) throw this.fail(`nesting deeper than ${MAX_CBOR_DEPTH}`);
    const h = this.head();
    switch (h.major) {
      case 0:
        return h.value;
      case 1:
        return typeof h.value === 'number' && h.value < Number.MAX_SAFE_INTEGER
          ? -1 - h.value
          : -1n - BigInt(h.value);
      case 2:
      case 3: {
        if (h.indefinite) {
          const parts: Uint8Array[] = [];
          while (!this.atBreak()) {
            const c = this.head();
            if (c.major !== h.major || c.indefinite)
              throw this.fail('bad chunk in indefinite string', c.offset);
            const n = this.length(c.value, 1, c.offset);
            parts.push(this.data.subarray(this.pos, this.pos + n));
            this.pos += n;
          }
          const all = concatBytes(parts);
          return h.major === 2 ? all : decodeUtf8(all, this, h.offset);
        }
        const n = this.length(h.value, 1, h.offset);
        const slice = this.data.subarray(this.pos, this.pos + n);
        this.pos += n;
        return h.major === 2 ? slice : decodeUtf8(slice, this, h.offset);
      }
      case 4: {
        const out: CborValue[] = [];
        if (h.indefinite) {
          while (!this.atBreak()) out.push(this.value(depth + 1));
        } else {
          const n = this.length(h.value, 1, h.offset);
          for (let i = 0; i < n; i++) out.push(this.value(depth + 1));
        }
        return out;
      }
      case 5: {
        const out = new Map<CborValue, CborValue>();
        if (h.indefinite) {
          while (!this.atBreak()) out.set(this.value(depth + 1), this.value(depth + 1));
        } else {
          const n = this.length(h.value, 2, h.offset);
          for (let i = 0; i < n; i++) out.set(this.value(depth + 1), this.value(depth + 1));
        }
        return out;
      }
      case 6:
        return { tag: h.value, value: this.value(depth + 1) };
      default: {
        const info = this.data[h.offset]! & 0x1f;
        if (h.indefinite) throw this.fail('unexpected break', h.offset);
        if (info === 20) return false;
        if (info === 21) return true;
        if (info === 22) return null;
        if (info === 23) return undefined;
        if (info === 25 || info === 26 || info === 27) {
          // Floats: the hbs2 formats never contain them, but the generic reader must not crash.
          return { simple: info };
        }
        return { simple: typeof h.value === 'number' ? h.value : 0 };
      }
    }
  }

  /** Throws unless the whole input has been consumed. */
  expectEnd(): void {
    if (this.remaining !== 0) throw this.fail(`${this.remaining} unexpected trailing bytes`);
  }
}

function decodeUtf8(bytes: Uint8Array, r: CborReader, at: number): string {
  try {
    return textDecoder.decode(bytes);
  } catch {
    throw r.fail('invalid UTF-8 in text string', at);
  }
}

/** Concatenates byte arrays into one new array. */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (const p of parts) total += p.length;
  const out = new Uint8Array(total);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/** Decodes exactly one generic CBOR item, ignoring trailing bytes as hbs2 does. */
export function decodeCborValue(data: Uint8Array): CborValue {
  return new CborReader(data).value();
}
