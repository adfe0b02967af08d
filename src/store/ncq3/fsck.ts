/**
 * A read-only check of an NCQ3 store (spec ncq3-storage §6, §8): every section of every
 * data file the loaded state names is framed, every block section hashes to its key, every
 * indexed data file ends on a valid tail record, and what a pending file would lose at
 * hbs2's next start (a torn tail) is reported. Nothing is written and no lock is taken.
 */
import * as path from 'node:path';
import { crypto } from '../../crypto/index.js';
import { hashToString } from '../hash.js';
import { MAX_BLOCK_SIZE } from '../limits.js';
import { FileSource } from './byte-source.js';
import { fastCheck, scanSections } from './data-file.js';
import { HEADER_LENGTH, bytesEqualAt } from './section.js';
import { dataFileName, unlistedFiles } from './state.js';
import { NcqBlockStore } from './store.js';

/** What is wrong with one place of an NCQ3 store. */
export type NcqProblemKind =
  | 'hash-mismatch' // a block section whose payload does not hash to its key
  | 'oversize' // a block section larger than any hbs2 block can be
  | 'missing-file' // a data file the state names as indexed is missing
  | 'bad-tail' // an indexed data file that does not end on a valid tail record
  | 'torn-tail' // a pending data file with bytes hbs2 drops at its next start
  | 'unlisted'; // a data or index file no state lists (a killed writer's); hbs2 sweeps it

/** One finding of {@link checkNcqStore}. */
export interface NcqProblem {
  kind: NcqProblemKind;
  /** The data file. */
  path: string;
  /** The section's offset in it, when the problem is one section. */
  offset?: number;
  /** The section's key (base58), when it has one. */
  hash?: string;
  detail: string;
  /** True when the problem means lost or corrupt data (torn tails are not). */
  integrity: boolean;
}

/** The result of {@link checkNcqStore}. */
export interface NcqCheckResult {
  /** Data files read. */
  files: number;
  /** Sections read. */
  sections: number;
  /** Block sections whose content was verified. */
  blocks: number;
  problems: NcqProblem[];
}

/**
 * Checks the NCQ3 store of the hbs2 prefix `prefix` without changing it. A pending file's
 * torn tail is reported (`integrity: false`): hbs2 cuts it at its next start, and only
 * unacknowledged writes were in it.
 */
export async function checkNcqStore(
  prefix: string,
  opts: { onBlock?: (verified: number) => void } = {},
): Promise<NcqCheckResult> {
  const store = await NcqBlockStore.open(prefix);
  const result: NcqCheckResult = { files: 0, sections: 0, blocks: 0, problems: [] };
  const pending = new Map(store.pending.map((p) => [p.dataKey, p]));
  const keys = [...new Set([...store.state.files, ...pending.keys()])].sort((a, b) =>
    a < b ? -1 : a > b ? 1 : 0,
  );
  const c = crypto();
  for (const key of keys) {
    const file = path.join(store.workdir, dataFileName(key));
    const source = await FileSource.open(file);
    if (!source) {
      result.problems.push({
        kind: 'missing-file',
        path: file,
        detail: 'the state lists this data file but it is missing',
        integrity: true,
      });
      continue;
    }
    try {
      result.files++;
      const extent = pending.get(key);
      const end = extent ? extent.indexed : source.size;
      if (extent && extent.trimmedTo !== extent.fileLength)
        result.problems.push({
          kind: 'torn-tail',
          path: file,
          detail: `${extent.fileLength} bytes; hbs2 keeps ${extent.trimmedTo} at its next start (unacknowledged writes)`,
          integrity: false,
        });
      if (!extent && !(await fastCheck(source)))
        result.problems.push({
          kind: 'bad-tail',
          path: file,
          detail: 'an indexed data file must end with a tail record giving its length',
          integrity: true,
        });
      for await (const s of scanSections(source, end)) {
        result.sections++;
        if (s.kind !== 'block') continue;
        const size = s.length - HEADER_LENGTH;
        const where = { path: file, offset: s.offset, hash: hashToString(s.key) };
        if (size > MAX_BLOCK_SIZE) {
          result.problems.push({
            ...where,
            kind: 'oversize',
            detail: `${size} bytes, larger than any hbs2 block can be`,
            integrity: true,
          });
          continue;
        }
        const payload = await source.read(s.offset + HEADER_LENGTH, size);
        result.blocks++;
        opts.onBlock?.(result.blocks);
        if (!bytesEqualAt(c.blake2b256(payload), s.key, 0))
          result.problems.push({
            ...where,
            kind: 'hash-mismatch',
            detail: 'the block does not hash to its key',
            integrity: true,
          });
      }
    } finally {
      await source.close();
    }
  }
  for (const name of await unlistedFiles(store.workdir, store.state))
    result.problems.push({
      kind: 'unlisted',
      path: path.join(store.workdir, name),
      detail:
        'no state lists it (a writer was killed before recording it); hbs2-peer deletes it, so does --repair',
      integrity: false,
    });
  await store.close();
  return result;
}
