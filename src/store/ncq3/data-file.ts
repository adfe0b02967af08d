/**
 * Reading NCQ3 data files (spec ncq3-storage §6.6–§6.8, §8.5 step 5): the scan of their
 * sections, the fast check, the recovery of a torn tail, and which prefix of a pending file
 * hbs2 would index. Nothing here writes: where hbs2 truncates a torn file, a reader
 * computes the same length and ignores what follows.
 */
import { crypto } from '../../crypto/index.js';
import type { ByteSource } from './byte-source.js';
import { WindowReader } from './byte-source.js';
import {
  HEADER_LENGTH,
  KEY_LENGTH,
  SIZE_FIELD,
  TAIL_LENGTH,
  bytesEqualAt,
  readU32,
  readU64,
  sectionKind,
  type SectionKind,
} from './section.js';

/** One section found by a scan. */
export interface ScannedSection {
  /** File offset of the size field. */
  offset: number;
  /** Whole length, size field included (`S + 4`). */
  length: number;
  /** The 32-byte key (a copy). */
  key: Uint8Array;
  kind: SectionKind;
}

/**
 * Every whole section of `source[0, end)` in file order (§6.8 "scan"); a truncated last
 * section is ignored. A section too short to hold its key and prefix ends the scan: hbs2
 * never writes one, and nothing after it can be framed with confidence.
 */
export async function* scanSections(
  source: ByteSource,
  end = source.size,
): AsyncGenerator<ScannedSection> {
  const reader = new WindowReader(source);
  // Never past the real end: a prefix hbs2 would zero-extend is read as far as it exists.
  end = Math.min(end, source.size);
  let offset = 0;
  while (end - offset >= SIZE_FIELD) {
    const s = readU32(await reader.read(offset, SIZE_FIELD), 0);
    if (end - offset - SIZE_FIELD < s || s + SIZE_FIELD < HEADER_LENGTH) return;
    const header = await reader.read(offset, HEADER_LENGTH);
    yield {
      offset,
      length: s + SIZE_FIELD,
      key: header.slice(SIZE_FIELD, SIZE_FIELD + KEY_LENGTH),
      kind: sectionKind(header, SIZE_FIELD + KEY_LENGTH),
    };
    offset += s + SIZE_FIELD;
  }
}

/**
 * hbs2's fast check (§6.7) of the file cut or extended to `length`: the last 8 bytes, as
 * u64be, equal the length. Past the file's end the bytes are zeros, as after hbs2's
 * `ftruncate`. A 0-byte file passes (hbs2 reads an empty mapping as 0); 1–7 bytes fail,
 * as observed with hbs2.
 */
export async function fastCheck(source: ByteSource, length = source.size): Promise<boolean> {
  if (length === 0) return true;
  if (length < 8) return false;
  const last = new Uint8Array(8);
  last.set(await source.read(length - 8, 8));
  return readU64(last, 0) === BigInt(length);
}

/**
 * `ncqFileTryRecover` (§6.8): the end of the last consistent tail record before the first
 * damaged or unknown section, 0 when there is none.
 */
export async function recoverLength(source: ByteSource): Promise<number> {
  const reader = new WindowReader(source);
  let recovered = 0;
  let offset = 0;
  while (true) {
    const left = source.size - offset;
    if (left < SIZE_FIELD) return recovered;
    const s = readU32(await reader.read(offset, SIZE_FIELD), 0);
    if (left - SIZE_FIELD < Math.max(s, KEY_LENGTH)) return recovered;
    const kind = sectionKind(await reader.read(offset, HEADER_LENGTH), SIZE_FIELD + KEY_LENGTH);
    const next = offset + SIZE_FIELD + s;
    if (kind === 'unknown') return recovered;
    if (kind === 'tail') {
      if (!(await isConsistentTail(reader, offset, next))) return recovered;
      recovered = next;
    }
    offset = next;
  }
}

/** An `M` section `[offset, next)` whose payload starts with `u64be(next)` and hashes to its key. */
async function isConsistentTail(
  reader: WindowReader,
  offset: number,
  next: number,
): Promise<boolean> {
  if (next - offset < TAIL_LENGTH) return false;
  const section = await reader.read(offset, next - offset);
  if (readU64(section, HEADER_LENGTH) !== BigInt(next)) return false;
  const digest = crypto().blake2b256(section.subarray(HEADER_LENGTH));
  return bytesEqualAt(digest, section, SIZE_FIELD);
}

/** What hbs2 makes of a pending data file at startup (§8.5 step 5), computed without writing. */
export interface PendingExtent {
  /** The file's length on disk. */
  fileLength: number;
  /** The durable length its `fp` fact records. */
  factSize: number;
  /** {@link recoverLength}'s result, or null when the file passed the fast check as it is. */
  recovered: number | null;
  /**
   * The length hbs2 leaves the file at: `max(fact, recovered)` when that passes the fast
   * check, else the fact size (beyond the file's end hbs2 extends it with zeros).
   */
  trimmedTo: number;
  /** The prefix whose sections hbs2 indexes; 0 when it indexes nothing. */
  indexed: number;
}

/**
 * Which prefix of a pending file hbs2 indexes at its next start: the whole file if it passes
 * the fast check, else `max(fact, recovered)` if that prefix passes, else the fact size if
 * that passes, else nothing (the file stays pending and unreadable). A file of at most one tail record is skipped.
 */
export async function pendingExtent(source: ByteSource, factSize: number): Promise<PendingExtent> {
  const fileLength = source.size;
  const done = (recovered: number | null, trimmedTo: number, passes: boolean): PendingExtent => ({
    fileLength,
    factSize,
    recovered,
    trimmedTo,
    indexed: passes && trimmedTo > TAIL_LENGTH ? trimmedTo : 0,
  });
  if (await fastCheck(source)) return done(null, fileLength, true);
  const recovered = await recoverLength(source);
  const candidate = Math.max(factSize, recovered);
  if (await fastCheck(source, candidate)) return done(recovered, candidate, true);
  // hbs2's second round cuts to the fact size alone (it differs from the first only when
  // a hostile tail record's payload is not its last 8 bytes).
  if (await fastCheck(source, factSize)) return done(recovered, factSize, true);
  return done(recovered, factSize, false);
}
