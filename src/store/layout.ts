/**
 * Which on-disk layout a store prefix holds, decided by what is there: `<prefix>/ncq3/`
 * is hbs2 0.25.3's NCQ3 log store (spec ncq3-storage §2), anything else the simple
 * one-file-per-block layout (`<prefix>/blocks/`, spec blocks-trees-storage §6.1).
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { fileError } from '../fsutil.js';
import type { BlockSource, BlockStore } from './blockstore.js';
import { FsBlockStore, type FsBlockStoreOptions } from './fs.js';
import { NcqBlockStore } from './ncq3/store.js';

/** The two layouts a prefix can hold. */
export type StoreLayout = 'ncq3' | 'simple';

/**
 * `ncq3` when `<prefix>/ncq3` is a directory (hbs2-peer then ignores `blocks/`, spec
 * ncq3-storage §13.1), else `simple` (also for a store that does not exist yet).
 */
export async function detectStoreLayout(prefix: string): Promise<StoreLayout> {
  const dir = path.join(prefix, 'ncq3');
  try {
    return (await fs.stat(dir)).isDirectory() ? 'ncq3' : 'simple';
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return 'simple';
    throw fileError(e, dir);
  }
}

/** What reading commands need of a store, in either layout. */
export type ReadableBlockStore = BlockSource &
  Pick<BlockStore, 'get' | 'has'> & {
    /** The store prefix (where the key index of group keys lives). */
    readonly prefix: string;
    /** A block's size in bytes without reading it; null when absent. */
    sizeOf(hash: Uint8Array): Promise<number | null>;
  };

/** Opens `prefix` for reading in whichever layout it holds. */
export async function openReadableStore(
  prefix: string,
  simpleOptions: FsBlockStoreOptions = {},
): Promise<ReadableBlockStore> {
  if ((await detectStoreLayout(prefix)) === 'ncq3') return NcqBlockStore.open(prefix);
  return new FsBlockStore(prefix, simpleOptions);
}
