/**
 * Every ref of a simple-layout store (`<prefix>/refs/<c>/<rest>`), for whole-store
 * walks such as pin listing and gc. Temp files of interrupted writes are skipped; a ref
 * file whose name or content is not a hash is a FormatError naming it, because a walk
 * that skipped it could drop what it points to.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { BASE58_ALPHABET } from '../codec/base58.js';
import { fileError } from '../fsutil.js';
import { isTempName } from '../store/fs.js';
import { parseHash } from '../store/hash.js';
import type { SimpleRefStore } from './simple-ref-store.js';

/** One stored ref: its key hash and its value. */
export interface StoredRef {
  key: Uint8Array;
  value: Uint8Array;
}

async function readdirOrEmpty(dir: string): Promise<string[]> {
  try {
    return (await fs.readdir(dir)).sort();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return [];
    throw fileError(e, dir);
  }
}

/** Yields every ref of `refs`, in the order of their base58 key names. */
export async function* listSimpleRefs(refs: SimpleRefStore): AsyncIterable<StoredRef> {
  for (const c of await readdirOrEmpty(refs.refsDir)) {
    if (c.length !== 1 || !BASE58_ALPHABET.includes(c)) continue;
    for (const name of await readdirOrEmpty(path.join(refs.refsDir, c))) {
      if (isTempName(name)) continue;
      const key = parseHash(c + name, `ref file refs/${c}/${name}: name`);
      const value = await refs.getRef(key);
      if (value !== null) yield { key, value };
    }
  }
}
