/**
 * Base58 with Bitcoin's alphabet, byte-identical to the `bs58` package.
 *
 * `bs58` is quadratic; group key files reach megabytes of base58. Inputs above a small
 * threshold therefore go through BigInt with divide and conquer over powers of 58, which
 * V8 multiplies and divides subquadratically. Small inputs use `bs58` itself.
 */
import bs58 from 'bs58';
import { FormatError } from '../errors.js';
import { fromHex, toHex } from './hex.js';

/** The Bitcoin base58 alphabet used by hbs2. */
export const BASE58_ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

const DIGIT_OF = new Int8Array(128).fill(-1);
for (let i = 0; i < BASE58_ALPHABET.length; i++) DIGIT_OF[BASE58_ALPHABET.charCodeAt(i)] = i;

/**
 * The longest base58 text read or written: 1 Mi characters, about 768 KB of data (a group
 * key file of about 6,000 recipients; keyrings, ACBs and sigils are far smaller). The
 * conversion is superlinear even here (V8 multiplies big integers with Karatsuba, about
 * 3x the time per doubling): 1 Mi characters decode in about 0.3 s on an idle 2-core
 * machine and under 1 s on a loaded one, while 4 Mi took 1.5 s idle and 6 s loaded. Longer
 * text is a FormatError before any conversion work, whatever the file-size limit of the
 * file that holds it.
 */
export const MAX_BASE58_CHARS = 1024 * 1024;

/** log(256) / log(58): base58 digits per byte. */
const DIGITS_PER_BYTE = Math.log(256) / Math.log(58);

/** Below this many bytes/characters the plain quadratic algorithm is faster. */
const SMALL = 512;
/** Digits per leaf chunk: 58^9 < 2^53, so a chunk fits a JS number exactly. */
const CHUNK_DIGITS = 9;
const CHUNK_BASE = 58 ** CHUNK_DIGITS;

/** powers[k] = 58^(9·2^k), built on demand. */
const powers: bigint[] = [BigInt(CHUNK_BASE)];
function power(k: number): bigint {
  while (powers.length <= k) {
    const last = powers[powers.length - 1]!;
    powers.push(last * last);
  }
  return powers[k]!;
}

/**
 * Encodes bytes as base58 text. Bytes whose text would be longer than
 * {@link MAX_BASE58_CHARS} are a FormatError: no reader would accept that text.
 * @param bytes - any bytes
 * @returns base58 text
 * @throws {@link FormatError} when the text would be too long to read back
 */
export function encodeBase58(bytes: Uint8Array): string {
  if (bytes.length < SMALL) return bs58.encode(bytes);
  let zeros = 0;
  while (zeros < bytes.length && bytes[zeros] === 0) zeros++;
  const rest = bytes.subarray(zeros);
  const tooLong = (): FormatError =>
    new FormatError(
      `${bytes.length} bytes are too many for base58 text (at most ${MAX_BASE58_CHARS} characters are read back)`,
    );
  // n < 256^len has at least ⌊len·D⌋ − 1 digits: refuse early only what surely does not
  // fit (no conversion work on huge input), check the exact length after.
  if (zeros + Math.floor(rest.length * DIGITS_PER_BYTE) - 1 > MAX_BASE58_CHARS) throw tooLong();
  const prefix = '1'.repeat(zeros);
  if (rest.length === 0) return prefix;
  const n = BigInt('0x' + toHex(rest));
  const parts: string[] = [prefix];
  emitTop(n, parts);
  const text = parts.join('');
  if (text.length > MAX_BASE58_CHARS) throw tooLong();
  return text;
}

const LOG2_58 = Math.log2(58);

/** Number of bits of n > 0. */
function bitLength(n: bigint): number {
  const hex = n.toString(16);
  return (hex.length - 1) * 4 + (32 - Math.clz32(parseInt(hex[0]!, 16)));
}

/**
 * Appends the digits of n > 0 without leading zero digits. Splits off the largest power
 * p = 58^(9·2^j) ≤ n: the remainder is emitted with exactly 9·2^j digits, the quotient
 * (< p) recursively. Choosing p from n's size (instead of padding n to the next power)
 * avoids converting up to half a number of zero digits and squaring a power that is
 * never used.
 */
function emitTop(n: bigint, out: string[]): void {
  if (n < power(0)) {
    const digits = leafDigits(n, CHUNK_DIGITS);
    let skip = 0;
    while (digits[skip] === '1') skip++;
    out.push(digits.slice(skip));
    return;
  }
  const bits = bitLength(n);
  let j = 0;
  for (;;) {
    // log2 of power(j+1); the float is far more precise than the ±2 bit margins used.
    const e = CHUNK_DIGITS * 2 ** (j + 1) * LOG2_58;
    if (e > bits + 1) break; // power(j+1) > 2^bits > n
    if (e < bits - 2 || power(j + 1) <= n) j++;
    else break;
  }
  const p = power(j);
  const q = n / p;
  emitTop(q, out);
  emitDigits(n - q * p, j - 1, out, j - 1);
}

/** Below this level, chunks are converted with plain number arithmetic on 16-bit limbs. */
const LEAF_LEVEL = 3;
const LIMB_DIVISOR = 58 ** 4;
/** Powers smaller than this many bits are divided by natively (Barrett does not pay). */
const BARRETT_MIN_BITS = 1 << 14;

/** Barrett reciprocals: recips[k] = { s: bits of power(k), m: ⌊2^(2s) / power(k)⌋ }. */
const recips: ({ s: bigint; m: bigint } | undefined)[] = [];

/**
 * Appends exactly 9·2^(k+1) digits of n (n < 58^(9·2^(k+1))), most significant first.
 * Levels below `top` hold several numbers to divide by the same power, so there a
 * precomputed reciprocal (two multiplications per division) beats V8's division, which
 * costs about four multiplications each time.
 */
function emitDigits(n: bigint, k: number, out: string[], top: number): void {
  if (k < LEAF_LEVEL) {
    out.push(leafDigits(n, CHUNK_DIGITS << (k + 1)));
    return;
  }
  const p = power(k);
  let q: bigint;
  let r: bigint;
  const rc = k < top ? reciprocal(k) : undefined;
  if (rc) {
    // Barrett: for n < p² < 2^(2s) the estimate is at most 2 below the true quotient.
    q = ((n >> (rc.s - 1n)) * rc.m) >> (rc.s + 1n);
    r = n - q * p;
    while (r >= p) {
      r -= p;
      q++;
    }
  } else {
    q = n / p;
    // A multiplication is cheaper than a second division for the remainder.
    r = n - q * p;
  }
  emitDigits(q, k - 1, out, top);
  emitDigits(r, k - 1, out, top);
}

/** The cached Barrett reciprocal of power(k), or undefined when power(k) is small. */
function reciprocal(k: number): { s: bigint; m: bigint } | undefined {
  const cached = recips[k];
  if (cached) return cached;
  const p = power(k);
  const bits = bitLength(p);
  if (bits < BARRETT_MIN_BITS) return undefined;
  const s = BigInt(bits);
  const rc = { s, m: (1n << (2n * s)) / p };
  recips[k] = rc;
  return rc;
}

/** Exactly `digits` base58 digits of a small bigint, by schoolbook division on limbs. */
function leafDigits(n: bigint, digits: number): string {
  let hex = n.toString(16);
  hex = '0'.repeat((4 - (hex.length % 4)) % 4) + hex;
  const limbs: number[] = [];
  for (let i = 0; i < hex.length; i += 4) limbs.push(parseInt(hex.slice(i, i + 4), 16));
  const chars = new Array<string>(digits).fill('1');
  let pos = digits;
  let start = 0;
  while (pos > 0 && start < limbs.length) {
    // Divide the limb array by 58^4 in place; the remainder gives four digits.
    let rem = 0;
    for (let i = start; i < limbs.length; i++) {
      const cur = rem * 65536 + limbs[i]!;
      const q = Math.floor(cur / LIMB_DIVISOR);
      limbs[i] = q;
      rem = cur - q * LIMB_DIVISOR;
    }
    while (start < limbs.length && limbs[start] === 0) start++;
    for (let j = 0; j < 4 && pos > 0; j++) {
      chars[--pos] = BASE58_ALPHABET[rem % 58]!;
      rem = Math.floor(rem / 58);
    }
  }
  return chars.join('');
}

/**
 * Decodes base58 text. A character outside the alphabet is a FormatError naming the
 * character's position (not the text, which may be a secret key); text longer than
 * {@link MAX_BASE58_CHARS} is a FormatError before any work.
 * @param text - base58 text
 * @param what - names the text in error messages
 * @returns the decoded bytes
 * @throws {@link FormatError} for a character outside the alphabet or too long a text
 */
export function decodeBase58(text: string, what = 'base58 text'): Uint8Array {
  if (text.length > MAX_BASE58_CHARS)
    throw new FormatError(
      `${what}: ${text.length} characters of base58, more than the limit of ${MAX_BASE58_CHARS}`,
    );
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 128 || DIGIT_OF[c] === -1) {
      const shown = c >= 0x21 && c < 0x7f ? `'${text[i]}'` : `U+${c.toString(16).padStart(4, '0')}`;
      throw new FormatError(`${what}: invalid base58 character ${shown} at position ${i + 1}`);
    }
  }
  if (text.length < SMALL) return bs58.decode(text);
  let zeros = 0;
  while (zeros < text.length && text[zeros] === '1') zeros++;
  const rest = text.slice(zeros);
  if (rest.length === 0) return new Uint8Array(zeros);
  // Left-pad with zero digits to a whole number of chunks, then combine pairs bottom-up.
  const padded = '1'.repeat((CHUNK_DIGITS - (rest.length % CHUNK_DIGITS)) % CHUNK_DIGITS) + rest;
  let level: bigint[] = [];
  for (let i = 0; i < padded.length; i += CHUNK_DIGITS) {
    let v = 0;
    for (let j = i; j < i + CHUNK_DIGITS; j++) v = v * 58 + DIGIT_OF[padded.charCodeAt(j)]!;
    level.push(BigInt(v));
  }
  for (let k = 0; level.length > 1; k++) {
    if (level.length % 2 === 1) level.unshift(0n);
    const p = power(k);
    const next: bigint[] = new Array(level.length / 2);
    for (let i = 0; i < next.length; i++) next[i] = level[2 * i]! * p + level[2 * i + 1]!;
    level = next;
  }
  let hex = level[0]!.toString(16);
  if (hex.length % 2) hex = '0' + hex;
  const body = fromHex(hex);
  const out = new Uint8Array(zeros + body.length);
  out.set(body, zeros);
  return out;
}
