/**
 * Writing NCQ3 state files (spec ncq3-storage §8.2, §14.2): the text hbs2 renders (index
 * lines newest first, then indexed data files, then pending facts ascending, then `n`,
 * each group followed by a line break, so an empty group leaves an empty line), written
 * durably under a key above every existing state file's.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { writeFileDurably } from './durable-file.js';
import { parseFileKey, stateFileName, type NcqState } from './state.js';

const ascending = (a: bigint, b: bigint) => (a < b ? -1 : a > b ? 1 : 0);

/** The text of `state` as hbs2 writes it (§8.2). */
export function renderState(state: NcqState): string {
  const indexes = state.indexes.map((i) => `i ${i.key} ${i.ts}`);
  // hbs2 writes them in hash-set order, which its own files show descending.
  const files = [...state.files].sort((a, b) => ascending(b, a)).map((k) => `f ${k}`);
  const facts = [...state.facts.entries()]
    .sort(([a], [b]) => ascending(a, b))
    .map(([k, size]) => `fp ${k} ${size}`);
  return (
    [indexes.join('\n'), files.join('\n'), facts.join('\n'), `n ${state.next}`].join('\n') + '\n'
  );
}

/**
 * Writes `state` as `s-<key>` (durably), then deletes every other state file with a lower
 * key: the new one is what hbs2 loads (the highest key that is valid), and hbs2 deletes the
 * others at its next start anyway (§8.5 step 3).
 */
export async function writeState(workdir: string, key: bigint, state: NcqState): Promise<void> {
  await writeFileDurably(workdir, stateFileName(key), [
    new TextEncoder().encode(renderState(state)),
  ]);
  for (const name of await fs.readdir(workdir))
    if (name.startsWith('s-') && /^s-[0-9a-f]{16}$/.test(name) && parseFileKey(name) < key)
      await fs.unlink(path.join(workdir, name)).catch(() => undefined);
}
