/**
 * Writing NCQ3 index files, hbs2's N-way hash table (spec ncq3-storage §7): entries placed
 * page by page, bucket `part_p mod B_p`, slots filled from 0, overflow only from a full
 * bucket, at most four pages; the table ends after the last slot written, then the trailer.
 * Readers take the bucket counts from the trailer, so when four pages are not enough (which
 * hbs2's load factor makes practically impossible) the pages are simply made larger.
 */
import { KEY_LENGTH, readU64 } from './section.js';
import type { SectionLocation } from './location.js';

const VALUE_SIZE = 20;
const BUCKET_SLOTS = 4;
const SLOT_SIZE = KEY_LENGTH + VALUE_SIZE;
const BUCKET_SIZE = SLOT_SIZE * BUCKET_SLOTS;
const MAX_PAGES = 4;

/** One key and where its current section is. */
export interface IndexEntry extends SectionLocation {
  key: Uint8Array;
}

/**
 * hbs2's bucket count for a page receiving `n` entries (§7.3):
 * `max(512, nextPow2(⌈⌊1150·n/4⌋/1000⌉))`.
 */
export function bucketCount(n: number): number {
  const target = Math.ceil(Math.floor((1150 * n) / 4) / 1000);
  let pow = 1;
  while (pow < target) pow *= 2;
  return Math.max(512, pow);
}

/** The trailer text of a table with these page sizes (§7.2), without its length. */
export function trailerText(buckets: readonly number[]): string {
  return [
    '(keysize 32)',
    '(keypartsize 8)',
    '(valuesize 20)',
    '(bucksize 4)',
    `(buckets ${buckets.join(' ')})`,
    '(cqfile 1)',
  ].join('\n');
}

/** Slots of each page, filled in placement order; null when an entry overflows page 4. */
function place(
  entries: readonly IndexEntry[],
  scale: number,
): { buckets: number[]; pages: Map<number, IndexEntry[]>[] } | null {
  const buckets: number[] = [];
  const pages: Map<number, IndexEntry[]>[] = [];
  let todo = entries;
  for (let p = 0; p < MAX_PAGES && (p === 0 || todo.length > 0); p++) {
    const count = bucketCount(todo.length) * scale;
    const page = new Map<number, IndexEntry[]>();
    const overflow: IndexEntry[] = [];
    for (const e of todo) {
      const b = Number(readU64(e.key, p * 8) % BigInt(count));
      const slots = page.get(b) ?? [];
      if (slots.length === BUCKET_SLOTS) overflow.push(e);
      else page.set(b, [...slots, e]);
    }
    buckets.push(count);
    pages.push(page);
    todo = overflow;
  }
  return todo.length === 0 ? { buckets, pages } : null;
}

/**
 * The bytes of an index file holding `entries` (distinct keys; the caller deduplicates,
 * the newest section of a key winning). An empty list still gives a valid one-page index.
 */
export function buildIndex(entries: readonly IndexEntry[]): Uint8Array[] {
  let placed = place(entries, 1);
  for (let scale = 2; !placed; scale *= 2) placed = place(entries, scale);
  const { buckets, pages } = placed;
  let tableLength = 0;
  let pageStart = 0;
  for (const [p, page] of pages.entries()) {
    for (const [b, slots] of page)
      tableLength = Math.max(tableLength, (pageStart + b) * BUCKET_SIZE + slots.length * SLOT_SIZE);
    pageStart += buckets[p]!;
  }
  const table = new Uint8Array(tableLength);
  const view = new DataView(table.buffer);
  pageStart = 0;
  for (const [p, page] of pages.entries()) {
    for (const [b, slots] of page)
      for (const [i, e] of slots.entries()) {
        const at = (pageStart + b) * BUCKET_SIZE + i * SLOT_SIZE;
        table.set(e.key, at);
        view.setBigUint64(at + KEY_LENGTH, e.dataKey);
        view.setBigUint64(at + KEY_LENGTH + 8, BigInt(e.offset));
        view.setUint32(at + KEY_LENGTH + 16, e.length);
      }
    pageStart += buckets[p]!;
  }
  const text = new TextEncoder().encode(trailerText(buckets));
  const length = new Uint8Array(4);
  new DataView(length.buffer).setUint32(0, text.length);
  return [table, text, length];
}
