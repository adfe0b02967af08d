/**
 * Binary form of ACBs: hbs2's `ACB1` generic record, followed — only when some writer is
 * time-limited — by the toolkit's version-2 extension items (spec acb.md). hbs2's decoder
 * stops after the record, so the extension is invisible to it.
 */
import { CborReader, CborWriter } from '../codec/cbor.js';
import {
  readHashRef,
  readNewtypeBytes,
  writeHashRef,
  writeList,
  writeMaybe,
  writeNewtypeBytes,
} from '../codec/hbs2.js';
import { checkRecipientKey } from '../crypto/index.js';
import {
  hasWriterRanges,
  isEmptyRange,
  keyOf,
  UNBOUNDED,
  type Acb,
  type TimeRange,
} from './model.js';

/** Extension version written after the record when writers carry time ranges. */
export const ACB_EXTENSION_VERSION = 2;

/** Most keys accepted per list; bounds work and memory on hostile input. */
export const MAX_ACB_LIST = 1_000_000;

/**
 * Encodes an ACB: exactly hbs2's bytes when no writer has a range.
 * @param acb - the access control block
 * @returns its CBOR bytes
 */
export function encodeAcb(acb: Acb): Uint8Array {
  const w = new CborWriter(
    256 + 40 * (acb.owners.length + acb.readers.length + acb.writers.length),
  );
  w.array(6).int(0);
  writeMaybe(w, acb.root, writeNewtypeBytes);
  writeList(w, acb.owners, writeNewtypeBytes);
  writeList(w, acb.readers, writeNewtypeBytes);
  writeList(w, acb.writers, (w, x) => writeNewtypeBytes(w, x.key));
  writeMaybe(w, acb.prev, writeHashRef);
  if (hasWriterRanges(acb)) {
    w.int(ACB_EXTENSION_VERSION);
    const ranges = acb.writers.flatMap((x) => x.ranges.map((r) => ({ key: x.key, r })));
    writeList(w, ranges, (w, { key, r }) => {
      w.array(3);
      writeNewtypeBytes(w, key);
      w.int(r.from).int(r.to);
    });
  }
  return w.finish();
}

function copy(b: Uint8Array): Uint8Array {
  return new Uint8Array(b);
}

/** Reads one range bound: a safe integer ≥ −1. */
function readBound(r: CborReader, name: string): number {
  const at = r.pos;
  const v = r.int();
  if (v < BigInt(UNBOUNDED) || v > BigInt(Number.MAX_SAFE_INTEGER))
    throw r.fail(`time range '${name}' must be -1 or a Unix time in seconds`, at);
  return Number(v);
}

/**
 * Decodes an ACB. After the record, trailing bytes are ignored as hbs2 does, except a
 * version-2 marker, which must be followed by a well-formed list of writer ranges. A
 * small-order reader key is a FormatError.
 * @param bytes - the ACB's CBOR bytes
 * @param what - names the ACB in error messages
 * @returns the access control block
 * @throws {@link FormatError} when the bytes are not an ACB
 */
export function decodeAcb(bytes: Uint8Array, what = 'acb'): Acb {
  const r = new CborReader(bytes, what);
  r.record(5, 'acb');
  const root = r.maybe((r) => copy(readNewtypeBytes(r, 'acb root key', 32)));
  const owners = r.list((r) => copy(readNewtypeBytes(r, 'acb owner key', 32)), MAX_ACB_LIST);
  const readers = r.list((r) => copy(readNewtypeBytes(r, 'acb reader key', 32)), MAX_ACB_LIST);
  // Readers are the recipients of group keys made from the ACB: no small-order keys.
  readers.forEach((k, i) => checkRecipientKey(k, `${what}: reader ${i + 1}`));
  const writerKeys = r.list((r) => copy(readNewtypeBytes(r, 'acb writer key', 32)), MAX_ACB_LIST);
  const prev = r.maybe((r) => copy(readHashRef(r, 'acb prev hash')));
  const acb: Acb = {
    root,
    owners,
    readers,
    writers: writerKeys.map((key) => ({ key, ranges: [] })),
    prev,
  };
  if (r.remaining === 0) return acb;

  let version: bigint | null = null;
  try {
    version = r.int();
  } catch {
    // Not an integer: some other trailing data, which hbs2 ignores too.
  }
  if (version !== BigInt(ACB_EXTENSION_VERSION)) return acb;

  const firstIndex = new Map<string, number>();
  writerKeys.forEach((k, i) => {
    if (!firstIndex.has(keyOf(k))) firstIndex.set(keyOf(k), i);
  });
  r.list((r) => {
    const at = r.pos;
    if (r.arrayLength() !== 3) throw r.fail('writer range must be (key, from, to)', at);
    const key = readNewtypeBytes(r, 'writer range key', 32);
    const range: TimeRange = { from: readBound(r, 'from'), to: readBound(r, 'to') };
    if (isEmptyRange(range)) throw r.fail('writer range is empty (from ≥ to)', at);
    const index = firstIndex.get(keyOf(key));
    if (index === undefined) throw r.fail('writer range names a key that is not a writer', at);
    acb.writers[index]!.ranges.push(range);
  }, MAX_ACB_LIST);
  return acb;
}
