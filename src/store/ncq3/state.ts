/**
 * NCQ3 file names and state files (spec ncq3-storage §3, §8): which data and index files
 * are live, which data files are still pending, and how hbs2 picks the state it loads.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { FormatError } from '../../errors.js';
import { fileError, TEMP_PREFIX } from '../../fsutil.js';

/** What a state file lists (§8.1). */
export interface NcqState {
  /** Index files, newest timestamp first (equal timestamps keep their file order). */
  indexes: { key: bigint; ts: bigint }[];
  /** Indexed data files. */
  files: Set<bigint>;
  /** Pending data files and their durable size, ascending by key (first line of a key wins). */
  facts: Map<bigint, number>;
  /** The next file key hbs2 allocates (the largest `n` line). */
  next: bigint;
}

/** The state of a store with no valid state file. */
export function emptyState(): NcqState {
  return { indexes: [], files: new Set(), facts: new Map(), next: 0n };
}

const U64_MAX = (1n << 64n) - 1n;
const hex16 = (key: bigint) => key.toString(16).padStart(16, '0');

/** `f-%016x.data` (§3.1). */
export const dataFileName = (key: bigint): string => `f-${hex16(key)}.data`;
/** `i-%016x.cq` (§3.1). */
export const indexFileName = (key: bigint): string => `i-${hex16(key)}.cq`;
/** `s-%016x` (§3.1). */
export const stateFileName = (key: bigint): string => `s-${hex16(key)}`;

/**
 * The key hbs2 reads from a file name (§3.2): drop the last extension and everything up to
 * the first `-`, read the longest hex prefix (modulo 2^64); 2^64−1 when there is none.
 */
export function parseFileKey(name: string): bigint {
  const dot = name.lastIndexOf('.');
  const base = dot > 0 ? name.slice(0, dot) : name;
  const dash = base.indexOf('-');
  const digits = /^[0-9a-fA-F]+/.exec(dash < 0 ? '' : base.slice(dash + 1))?.[0];
  return digits === undefined ? U64_MAX : BigInt(`0x${digits}`) & U64_MAX;
}

/** A decimal number token, or null (not decimal, or above `max`). */
function decimal(token: string | undefined, max: bigint): bigint | null {
  if (token === undefined || !/^[0-9]{1,20}$/.test(token)) return null;
  const n = BigInt(token);
  return n <= max ? n : null;
}

/**
 * Parses a state file (§8.3); null when it is "bad" (not UTF-8, or parentheses that do
 * not balance). Lines that do not match a known statement are ignored, as hbs2 does.
 */
export function parseState(bytes: Uint8Array): NcqState | null {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return null;
  }
  const state = emptyState();
  const facts: [bigint, number][] = [];
  for (const line of text.split('\n')) {
    const tokens = line.match(/[()]|[^\s()]+/g) ?? [];
    const open = tokens.filter((t) => t === '(').length;
    if (open !== tokens.filter((t) => t === ')').length) return null;
    // A statement may also be written as one parenthesised form.
    const words = tokens.filter((t) => t !== '(' && t !== ')');
    const [head, a, b] = words;
    const key = decimal(a, U64_MAX);
    if (key === null) continue;
    if (head === 'i' && words.length === 3) {
      const ts = decimal(b, U64_MAX);
      if (ts !== null) state.indexes.push({ key, ts });
    } else if (head === 'f' && words.length === 2) state.files.add(key);
    else if (head === 'fp' && words.length === 3) {
      const size = decimal(b, BigInt(Number.MAX_SAFE_INTEGER));
      if (size !== null) facts.push([key, Number(size)]);
    } else if (head === 'n' && words.length === 2 && key > state.next) state.next = key;
  }
  // Array.prototype.sort is stable: equal timestamps keep their order in the file.
  state.indexes.sort((x, y) => (x.ts === y.ts ? 0 : x.ts > y.ts ? -1 : 1));
  facts.sort(([x], [y]) => (x === y ? 0 : x < y ? -1 : 1));
  for (const [key, size] of facts) if (!state.facts.has(key)) state.facts.set(key, size);
  return state;
}

/** State files are a few lines per live file; this is far beyond any real one. */
const MAX_STATE_BYTES = 16 * 1024 * 1024;

/** The state a store opens with, and the file it came from (null: none was valid). */
export interface LoadedState {
  state: NcqState;
  file: string | null;
}

/**
 * Every `f` and `i` file the state lists exists (§8.5 step 2; `fp` files are not checked),
 * looked up in the workdir's listing: a store of thousands of files is checked without a
 * system call per file.
 */
function isValid(names: ReadonlySet<string>, state: NcqState): boolean {
  for (const k of state.files) if (!names.has(dataFileName(k))) return false;
  for (const i of state.indexes) if (!names.has(indexFileName(i.key))) return false;
  return true;
}

/**
 * Loads the state as hbs2 does at startup (§8.5 steps 1–2, 4), deleting nothing: the state
 * file with the highest key that parses and whose `f` and `i` files exist; the empty state
 * when there is none. hbs2 reads each candidate under the canonical name of the key it
 * parses from the name, and dies when that file does not exist (a foreign `s-garbage` is
 * read as `s-ffffffffffffffff`): such a store is a FormatError here.
 */
export async function loadState(workdir: string): Promise<LoadedState> {
  let names: string[];
  try {
    names = await fs.readdir(workdir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { state: emptyState(), file: null };
    throw fileError(e, workdir);
  }
  const listed = new Set(names);
  const byKey = new Map<bigint, string>();
  for (const name of names) if (name.startsWith('s-')) byKey.set(parseFileKey(name), name);
  const keys = [...byKey.keys()].sort((x, y) => (x === y ? 0 : x > y ? -1 : 1));
  for (const key of keys) {
    const file = path.join(workdir, stateFileName(key));
    let bytes: Uint8Array;
    try {
      const st = await fs.stat(file);
      if (!st.isFile() || st.size > MAX_STATE_BYTES)
        throw new FormatError(`${file}: not a state file (${st.size} bytes)`);
      bytes = await fs.readFile(file);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw fileError(e, file);
      throw new FormatError(
        `${path.join(workdir, byKey.get(key)!)}: not an hbs2 state file name (hbs2 reads it as ${stateFileName(key)}, which does not exist, and fails to open the store)`,
      );
    }
    const state = parseState(bytes);
    if (state && isValid(listed, state)) return { state, file };
  }
  return { state: emptyState(), file: null };
}

/**
 * Workdir files hbs2's sweeper would delete (§12.4): `f-` and `i-` files whose key the
 * state does not list, and the temp files (`.part`) of interrupted index and state writes.
 */
export async function unlistedFiles(workdir: string, state: NcqState): Promise<string[]> {
  const live = new Set<bigint>([
    ...state.files,
    ...state.facts.keys(),
    ...state.indexes.map((i) => i.key),
  ]);
  return (await fs.readdir(workdir).catch(() => [] as string[]))
    .filter(
      (n) =>
        ((n.startsWith('f-') || n.startsWith('i-')) && !live.has(parseFileKey(n))) ||
        (n.startsWith(TEMP_PREFIX) && n.endsWith('.part')),
    )
    .sort();
}
