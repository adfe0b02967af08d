/**
 * Compaction of an NCQ3 store opened for writing (spec ncq3-storage §12.1, §12.2, as
 * hbs2's maintenance does it): every data file holding sections that are no longer any
 * key's current one (deleted or overwritten) is rewritten with only its current sections
 * into a new data file, small data files (one per command that wrote) are merged the same
 * way (§12.2), the old files leave the state and are deleted, and the indexes are merged
 * into one, and files no state lists (a killed writer's) are swept (§12.4). Tombstones are
 * current sections, so they are kept (as hbs2 keeps them).
 * Copied blocks are verified: a corrupt block stops compaction before anything is deleted.
 * A kill at any point leaves every block readable: the copies are indexed before the
 * state drops the files they came from.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { IntegrityError } from '../../errors.js';
import { hashBlock, hashToString, equalBytes } from '../hash.js';
import { FileSource } from './byte-source.js';
import { scanSections } from './data-file.js';
import type { SectionLocation } from './location.js';
import { HEADER_LENGTH, KEY_LENGTH, SIZE_FIELD, sectionKind } from './section.js';
import { dataFileName } from './state.js';
import type { NcqBlockStore } from './store.js';
import { ROTATE_AT } from './writer.js';

/** What {@link compactNcqStore} did. */
export interface CompactResult {
  /** Data files rewritten (and deleted), those merged included. */
  filesRewritten: number;
  /** Of those, small data files merged only to have fewer files (§12.2). */
  filesMerged: number;
  /** Bytes of the data files before and after. */
  bytesBefore: number;
  bytesAfter: number;
  /** Index files before the merge; 1 after it (0 for an empty store). */
  indexesBefore: number;
  /** Files no state lists (a killed writer's, e.g. an interrupted compaction's) removed. */
  leftoversRemoved: number;
}

/** Compacts `store` (opened for writing): see the module comment. */
export async function compactNcqStore(store: NcqBlockStore): Promise<CompactResult> {
  const writer = store.writingSession;
  await writer.closeCurrent();
  const state = writer.state;
  const current = new Map<bigint, { key: Uint8Array; at: SectionLocation }[]>();
  for (const e of await store.currentLocations()) {
    const list = current.get(e.at.dataKey) ?? [];
    list.push(e);
    current.set(e.at.dataKey, list);
  }
  const result: CompactResult = {
    filesRewritten: 0,
    filesMerged: 0,
    bytesBefore: 0,
    bytesAfter: 0,
    indexesBefore: state.indexes.length,
    leftoversRemoved: 0,
  };
  const rewrite: bigint[] = [];
  const whole: { dataKey: bigint; size: number }[] = [];
  for (const dataKey of [...state.files].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))) {
    const { size, sectionBytes } = await measure(store.workdir, dataKey);
    result.bytesBefore += size;
    const live = (current.get(dataKey) ?? []).reduce((n, e) => n + e.at.length, 0);
    if (sectionBytes > live) rewrite.push(dataKey);
    else whole.push({ dataKey, size });
  }
  const merged = smallFilesToMerge(whole);
  result.filesMerged = merged.length;
  rewrite.push(...merged);
  for (const dataKey of rewrite) {
    const entries = (current.get(dataKey) ?? []).sort((a, b) => a.at.offset - b.at.offset);
    for (const { key, at } of entries) {
      const section = await store.readSection(key, at);
      if (!section) continue; // a stale entry into a missing file: hbs2 reads it as absent
      checkBlock(key, section, at);
      await (
        await writer.appendSection(key, section)
      ).written;
    }
  }
  await writer.closeCurrent();
  await writer.dropDataFiles(rewrite);
  result.filesRewritten = rewrite.length;
  for (const k of state.files) result.bytesAfter += await fileSize(store.workdir, k);
  if (state.indexes.length > 1) await writer.mergeIndexes();
  await store.indexedEverything();
  // What hbs2-peer's sweeper would remove; under the lock nothing unlisted is in use.
  result.leftoversRemoved = (await writer.sweep()).length;
  return result;
}

/**
 * The data files worth merging: the smallest first, while together they fit in one data
 * file (the writer's rotation size); none unless at least two. hbs2 merges adjacent pairs
 * over and over while idle; one pass here reaches the same few large files.
 */
function smallFilesToMerge(files: { dataKey: bigint; size: number }[]): bigint[] {
  const picked: bigint[] = [];
  let total = 0;
  for (const f of [...files].sort((a, b) => a.size - b.size)) {
    if (total + f.size > ROTATE_AT) break;
    total += f.size;
    picked.push(f.dataKey);
  }
  return picked.length >= 2 ? picked : [];
}

async function fileSize(workdir: string, dataKey: bigint): Promise<number> {
  const st = await fs.stat(path.join(workdir, dataFileName(dataKey))).catch(() => null);
  return st?.size ?? 0;
}

/** A data file's size and the bytes of its non-tail sections. */
async function measure(
  workdir: string,
  dataKey: bigint,
): Promise<{ size: number; sectionBytes: number }> {
  const source = await FileSource.open(path.join(workdir, dataFileName(dataKey)));
  if (!source) return { size: 0, sectionBytes: 0 };
  try {
    let sectionBytes = 0;
    for await (const s of scanSections(source)) if (s.kind !== 'tail') sectionBytes += s.length;
    return { size: source.size, sectionBytes };
  } finally {
    await source.close();
  }
}

/** A block section copied by compaction must hash to its key. */
function checkBlock(key: Uint8Array, section: Uint8Array, at: SectionLocation): void {
  if (sectionKind(section, SIZE_FIELD + KEY_LENGTH) !== 'block') return;
  if (!equalBytes(hashBlock(section.subarray(HEADER_LENGTH)), key))
    throw new IntegrityError(
      `${dataFileName(at.dataKey)} at ${at.offset}: block ${hashToString(key)} does not hash to its key; compaction stopped before deleting anything`,
      { hint: 'run `hbs2 fsck` to see every damaged block' },
    );
}
