/**
 * Pin records (docs/formats.md "Pins"): a pin is a block holding
 *
 * ```
 * PinRecord = 86 <text "hbs2tk-pin"> 01 <text name> 58 20 <root: 32 bytes>
 *             <uint size> <uint date>
 * ```
 *
 * and a ref in the store's `refs/` whose key is `H("hbs2tk-pin|" ‖ UTF-8(name))` and whose
 * value is that block's hash. The tag in the key keeps pin refs apart from every ref key
 * hbs2 derives (those hash a different tag followed by CBOR), so hbs2 sees an unknown ref
 * pointing to an ordinary block and leaves it alone.
 */
import { CborReader, CborWriter } from '../codec/cbor.js';
import { crypto } from '../crypto/index.js';
import { FormatError } from '../errors.js';
import { equalBytes, HASH_LENGTH, hashToString } from '../store/hash.js';

/** One pin: a name for a root the store keeps. */
export interface PinRecord {
  /** 1 … 255 UTF-8 bytes, no control characters. */
  name: string;
  /** The pinned object's root hash. */
  root: Uint8Array;
  /** Bytes of every block the root needs, each counted once, when it was pinned. */
  size: number;
  /** When it was pinned, in seconds since the Unix epoch. */
  date: number;
}

/** A pin as JSON shows it (`pin ls --json`). */
export interface PinSummary {
  name: string;
  root: string;
  size: number;
  /** When it was pinned, ISO 8601 in UTC. */
  date: string;
}

/**
 * The printable view of a pin: its root in base58, its date in ISO 8601.
 * @param p - the pin
 * @returns its summary
 */
export function summarizePin(p: PinRecord): PinSummary {
  return {
    name: p.name,
    root: hashToString(p.root),
    size: p.size,
    date: new Date(p.date * 1000).toISOString(),
  };
}

/** The text tag opening every pin record. */
export const PIN_RECORD_TAG = 'hbs2tk-pin';
/** The format version following the tag. */
export const PIN_RECORD_VERSION = 1;
/** The domain-separation prefix of a pin's ref key. */
export const PIN_REF_KEY_PREFIX = 'hbs2tk-pin|';
/** Longest pin name, in UTF-8 bytes (a file name's limit). */
export const MAX_PIN_NAME_BYTES = 255;

const utf8 = new TextEncoder();

/** Refuses a name that is empty, too long or holds control characters (FormatError). */
export function checkPinName(name: string): void {
  const bytes = utf8.encode(name).length;
  if (bytes === 0) throw new FormatError('pin name: empty');
  if (bytes > MAX_PIN_NAME_BYTES)
    throw new FormatError(`pin name: ${bytes} bytes, at most ${MAX_PIN_NAME_BYTES}`);
  // Control characters would let a name rewrite the terminal of whoever lists pins.
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f-\u009f]/.test(name))
    throw new FormatError('pin name: control characters are not allowed');
}

/**
 * A valid pin name made from a file's base name: control characters replaced by `?` and
 * the name cut, at a character boundary, to the longest one allowed; `stdin` when
 * nothing is left.
 * @param baseName - the file's name without its directory
 * @returns a name {@link checkPinName} accepts
 */
export function pinNameFrom(baseName: string): string {
  // eslint-disable-next-line no-control-regex
  let name = baseName.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
  while (utf8.encode(name).length > MAX_PIN_NAME_BYTES) name = [...name].slice(0, -1).join('');
  return name || 'stdin';
}

/** The ref key of the pin named `name`: `H("hbs2tk-pin|" ‖ UTF-8(name))`. */
export function pinRefKey(name: string): Uint8Array {
  checkPinName(name);
  return crypto().blake2b256(utf8.encode(PIN_REF_KEY_PREFIX + name));
}

/** The bytes of a pin record block. */
export function encodePinRecord(pin: PinRecord): Uint8Array {
  checkPinName(pin.name);
  if (pin.root.length !== HASH_LENGTH)
    throw new FormatError(`pin record: root must be ${HASH_LENGTH} bytes`);
  for (const [what, n] of [
    ['size', pin.size],
    ['date', pin.date],
  ] as const)
    if (!Number.isSafeInteger(n) || n < 0)
      throw new FormatError(`pin record: ${what} must be a non-negative integer`);
  return new CborWriter(128)
    .array(6)
    .text(PIN_RECORD_TAG)
    .int(PIN_RECORD_VERSION)
    .text(pin.name)
    .bytes(pin.root)
    .int(pin.size)
    .int(pin.date)
    .finish();
}

/** Decodes a pin record block exactly (anything else is a FormatError). */
export function decodePinRecord(block: Uint8Array, what = 'pin record'): PinRecord {
  const r = new CborReader(block, what);
  if (r.arrayLength() !== 6) throw r.fail('not a pin record (expected 6 fields)', 0);
  if (r.text() !== PIN_RECORD_TAG) throw r.fail('not a pin record (tag)', 0);
  const version = r.uint();
  if (version !== PIN_RECORD_VERSION) throw r.fail(`unknown pin record version ${version}`);
  const name = r.text();
  checkPinName(name);
  const root = new Uint8Array(r.bytes());
  if (root.length !== HASH_LENGTH) throw r.fail(`root must be ${HASH_LENGTH} bytes`);
  const size = r.uint();
  const date = r.uint();
  r.expectEnd();
  return { name, root, size, date };
}

/**
 * The pin held by the ref `key` whose value block is `block`, or null when that block
 * is not a pin record for that very key (any other ref: hbs2's, an lwwref, a forged
 * record stored under another name's key).
 */
export function pinOfRef(key: Uint8Array, block: Uint8Array): PinRecord | null {
  let pin: PinRecord;
  try {
    pin = decodePinRecord(block);
  } catch (e) {
    if (e instanceof FormatError) return null;
    throw e;
  }
  return equalBytes(pinRefKey(pin.name), key) ? pin : null;
}
