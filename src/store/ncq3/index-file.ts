/**
 * Reader of NCQ3 index files, hbs2's on-disk N-way hash table "NWayHash" (spec
 * ncq3-storage §7): pages of 4-slot buckets, then a text trailer giving the geometry.
 * A lookup reads one bucket per page; the table is never loaded whole.
 */
import { FormatError } from '../../errors.js';
import { FileSource } from './byte-source.js';
import type { IndexEntry } from './index-writer.js';
import type { SectionLocation } from './location.js';
import { bytesEqualAt, readU32, readU64 } from './section.js';

const KEY_SIZE = 32;
const KEY_PART_SIZE = 8;
const VALUE_SIZE = 20;
const BUCKET_SLOTS = 4;
const SLOT_SIZE = KEY_SIZE + VALUE_SIZE;
const BUCKET_SIZE = SLOT_SIZE * BUCKET_SLOTS;
/** Lookups consult at most one page per 8-byte key part (§7.4). */
const MAX_PAGES = KEY_SIZE / KEY_PART_SIZE;
/** hbs2's trailer is about 90 bytes; anything much longer is not an index trailer. */
const MAX_TRAILER = 64 * 1024;

/** The geometry a trailer declares (§7.2). */
export interface IndexGeometry {
  /** Buckets of each page, in page order. */
  buckets: bigint[];
}

/** Splits the trailer text into parenthesised forms of atoms; null when unbalanced. */
function parseForms(text: string): string[][] | null {
  const forms: string[][] = [];
  let current: string[] | null = null;
  for (const token of text.match(/[()]|[^\s()]+/g) ?? []) {
    if (token === '(') {
      if (current) return null;
      current = [];
    } else if (token === ')') {
      if (!current) return null;
      forms.push(current);
      current = null;
    } else if (current) current.push(token);
    else return null;
  }
  return current ? null : forms;
}

/**
 * Parses an index trailer (§7.2): hbs2's four sizes must be 32, 8, 20 and 4 (the only
 * geometry hbs2 writes, and the only one this reader knows), and `buckets` (every such
 * form, concatenated) must list at least one positive count.
 */
export function parseTrailer(text: string, file: string): IndexGeometry {
  const forms = parseForms(text);
  if (!forms) throw new FormatError(`${file}: index trailer is not a list of forms`);
  const first = (name: string) => forms.find((f) => f[0] === name)?.[1];
  const expected: Record<string, number> = {
    keysize: KEY_SIZE,
    keypartsize: KEY_PART_SIZE,
    valuesize: VALUE_SIZE,
    bucksize: BUCKET_SLOTS,
  };
  for (const [name, value] of Object.entries(expected))
    if (first(name) !== String(value))
      throw new FormatError(
        `${file}: index trailer has ${name} ${first(name) ?? '(none)'}, expected ${value}`,
      );
  const counts = forms.filter((f) => f[0] === 'buckets').flatMap((f) => f.slice(1));
  if (counts.length === 0 || !counts.every((c) => /^[1-9][0-9]{0,18}$/.test(c)))
    throw new FormatError(`${file}: index trailer lists no valid bucket counts`);
  return { buckets: counts.map((c) => BigInt(c)) };
}

/** An index file opened for lookups. */
export class IndexFile {
  private constructor(
    private readonly source: FileSource,
    /** Length of the table (the bytes before the trailer). */
    private readonly tableLength: number,
    readonly geometry: IndexGeometry,
  ) {}

  /** Opens `file` and reads its trailer; null when the file does not exist. */
  static async open(file: string): Promise<IndexFile | null> {
    const source = await FileSource.open(file);
    if (!source) return null;
    try {
      if (source.size < 4) throw new FormatError(`${file}: index file too short`);
      const textLength = readU32(await source.read(source.size - 4, 4), 0);
      if (textLength > MAX_TRAILER || textLength > source.size - 4)
        throw new FormatError(`${file}: index trailer length ${textLength} does not fit`);
      const tableLength = source.size - 4 - textLength;
      const text = new TextDecoder().decode(await source.read(tableLength, textLength));
      return new IndexFile(source, tableLength, parseTrailer(text, file));
    } catch (e) {
      await source.close();
      throw e;
    }
  }

  /**
   * The location recorded for `key`, or null (§7.4): per page, the bucket of the page's key
   * part; an empty slot ends the search, a full bucket of other keys goes on to the next
   * page. Slots past the end of the table read as empty.
   */
  async lookup(key: Uint8Array): Promise<SectionLocation | null> {
    let pageStart = 0n;
    const pages = this.geometry.buckets.slice(0, MAX_PAGES);
    for (const [p, count] of pages.entries()) {
      const part = readU64(key, p * KEY_PART_SIZE);
      const at = (pageStart + (part % count)) * BigInt(BUCKET_SIZE);
      pageStart += count;
      if (at >= BigInt(this.tableLength)) return null;
      const start = Number(at);
      const bucket = await this.source.read(start, Math.min(BUCKET_SIZE, this.tableLength - start));
      for (let slot = 0; slot < BUCKET_SLOTS; slot++) {
        const s = slot * SLOT_SIZE;
        if (s + SLOT_SIZE > bucket.length || isZeroKey(bucket, s)) return null;
        if (bytesEqualAt(key, bucket, s)) return this.value(bucket, s + KEY_SIZE);
      }
    }
    return null;
  }

  /**
   * Every entry of the table (each key is in one slot only). The table is read whole:
   * for merging indexes, not for lookups.
   */
  async entries(): Promise<IndexEntry[]> {
    const table = await this.source.read(0, this.tableLength);
    const out: IndexEntry[] = [];
    for (let s = 0; s + SLOT_SIZE <= table.length; s += SLOT_SIZE)
      if (!isZeroKey(table, s))
        out.push({ key: table.slice(s, s + KEY_SIZE), ...this.value(table, s + KEY_SIZE) });
    return out;
  }

  /** The value of a slot: data file key, offset, whole section length (§7.1). */
  private value(bucket: Uint8Array, at: number): SectionLocation {
    const offset = readU64(bucket, at + 8);
    if (offset > BigInt(Number.MAX_SAFE_INTEGER))
      throw new FormatError(`${this.source.file}: index entry with offset ${offset}`);
    return {
      dataKey: readU64(bucket, at),
      offset: Number(offset),
      length: readU32(bucket, at + 16),
    };
  }

  /** Closes the file. */
  async close(): Promise<void> {
    await this.source.close();
  }
}

function isZeroKey(bucket: Uint8Array, at: number): boolean {
  for (let i = at; i < at + KEY_SIZE; i++) if (bucket[i] !== 0) return false;
  return true;
}
