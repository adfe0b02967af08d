/**
 * Which on-disk layout a store prefix holds, decided by what is there: `<prefix>/ncq3/`
 * is hbs2 0.25.3's NCQ3 log store (spec ncq3-storage §2), `<prefix>/blocks/` (or
 * `refs/`) the simple one-file-per-block layout (spec blocks-trees-storage §6.1).
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { fileError } from '../fsutil.js';
import type { BlockSource, BlockStore } from './blockstore.js';
import type { KeyIndex } from './key-index.js';

/** Progress log of a simple → NCQ3 migration, in the NCQ3 workdir (spec §13.3). */
export const MIGRATION_LOG = 'migrate-ss.log';
/** Written in the prefix once the simple store is migrated: hbs2-peer then starts (§13.1). */
export const MIGRATION_DONE_MARKER = 'ss-ncq3-done';

/** The layouts a store can have: the two of a directory, and objects of an S3 bucket. */
export type StoreLayout = 'ncq3' | 'simple' | 's3';

/**
 * The layout the store at `prefix` holds, or null when there is no store yet:
 * `<prefix>/ncq3/` is NCQ3 (hbs2-peer then ignores `blocks/`, spec ncq3-storage §13.1),
 * except beside block files not yet migrated (no `ss-ncq3-done`); `blocks/` or `refs/` is
 * the simple layout.
 */
export async function probeStoreLayout(prefix: string): Promise<StoreLayout | null> {
  if (await isDirectory(path.join(prefix, 'ncq3')))
    return (await unmigratedSimple(prefix)) ? 'simple' : 'ncq3';
  for (const d of ['blocks', 'refs']) if (await isDirectory(path.join(prefix, d))) return 'simple';
  return null;
}

/**
 * `ncq3` when `<prefix>/ncq3` is a directory, else `simple` (also for no store yet).
 * @param prefix - the store directory
 * @returns the layout found there
 */
export async function detectStoreLayout(prefix: string): Promise<StoreLayout> {
  return (await probeStoreLayout(prefix)) ?? 'simple';
}

/**
 * True while `prefix` holds an unmigrated simple store beside `ncq3/`: block files in
 * `blocks/` and no `ss-ncq3-done` marker. hbs2-peer then refuses to start and asks for a
 * migration (§13.1); this toolkit reads and writes the simple store, which is the complete
 * one while a migration is under way.
 */
async function unmigratedSimple(prefix: string): Promise<boolean> {
  const marker = path.join(prefix, MIGRATION_DONE_MARKER);
  if (
    await fs.stat(marker).then(
      () => true,
      () => false,
    )
  )
    return false;
  return hasAnyFile(path.join(prefix, 'blocks'), 2);
}

/** True when `dir` holds a regular file within `depth` levels (stops at the first). */
async function hasAnyFile(dir: string, depth: number): Promise<boolean> {
  let entries: import('node:fs').Dirent[];
  try {
    entries = await fs.readdir(dir, { withFileTypes: true });
  } catch {
    return false;
  }
  for (const e of entries) {
    if (e.isFile()) return true;
    if (e.isDirectory() && depth > 1 && (await hasAnyFile(path.join(dir, e.name), depth - 1)))
      return true;
  }
  return false;
}

async function isDirectory(dir: string): Promise<boolean> {
  try {
    return (await fs.stat(dir)).isDirectory();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return false;
    throw fileError(e, dir);
  }
}

/** What reading commands need of a store, in either layout. */
export type ReadableBlockStore = BlockSource &
  Pick<BlockStore, 'get' | 'has'> & {
    /** Where the store is (a directory, or `s3://…`). */
    readonly prefix: string;
    /** The store's index of group keys by id. */
    readonly keyIndex: KeyIndex;
    /** A block's size in bytes without reading it; null when absent. */
    sizeOf(hash: Uint8Array): Promise<number | null>;
  };
