/**
 * Store check (`hbs2 fsck`, spec §6.4 and §6.3): every file under `<prefix>/blocks/` must
 * be named by base58 of 32 bytes, hash to that name, not be empty (unless it is the
 * empty block) and not be larger than any block can be. Leftover temp files of
 * interrupted commands are reported as `stale-temp` but are not integrity failures: no
 * block name ever holds them, so they only waste space. With `repair`, bad blocks are
 * moved to `<prefix>/quarantine/` (never deleted) and stale temp files are removed.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { fileError, fsyncDir } from '../fsutil.js';
import { isTempName } from './fs.js';
import { equalBytes, hashBlock, hashToString, parseHash } from './hash.js';
import { MAX_BLOCK_SIZE } from './limits.js';

/** What is wrong with one file. */
export type FsckProblemKind =
  | 'bad-name' // the name is not base58 of 32 bytes
  | 'hash-mismatch' // the content does not hash to the name
  | 'zero-size' // an empty file under a name that is not the empty block's hash
  | 'oversize' // larger than any block can be (MAX_BLOCK_SIZE); never read
  | 'stale-temp' // a leftover temp file of an interrupted write
  | 'not-a-file' // a directory, link or special file where a block should be
  | 'unreadable'; // an I/O error while reading

/** One finding. */
export interface FsckProblem {
  kind: FsckProblemKind;
  /** Path relative to the store prefix, with `/` separators (e.g. `blocks/F/MqApx…`). */
  path: string;
  /** The block name (base58) when the file is a block, else null. */
  hash: string | null;
  /** Human-readable detail (actual hash, error text). */
  detail: string;
  /** What `repair` did: moved to quarantine, removed, or nothing. */
  action: 'quarantined' | 'removed' | 'none';
}

/** Options for {@link fsck}. */
export interface FsckOptions {
  /** Quarantine bad blocks and remove stale temp files. */
  repair?: boolean;
  /** Called after each file is checked (for progress reporting). */
  onFile?: (checked: number) => void;
}

/** Result of a check. */
export interface FsckResult {
  /** Files examined (blocks and others). */
  checked: number;
  /** Blocks that are fine. */
  ok: number;
  problems: FsckProblem[];
  /** Problems left unrepaired, stale temp files (warnings) not counted. */
  unrepaired: number;
}

async function readdirOrEmpty(dir: string): Promise<string[]> {
  try {
    return (await fs.readdir(dir)).sort();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw fileError(e, dir);
  }
}

/** A free name in the quarantine directory for `name` (never overwrites). */
async function quarantineTarget(qdir: string, name: string): Promise<string> {
  for (let i = 0; ; i++) {
    const candidate = path.join(qdir, i === 0 ? name : `${name}.${i}`);
    try {
      await fs.lstat(candidate);
    } catch {
      return candidate;
    }
  }
}

/**
 * Checks (and optionally repairs) the store at `storePath`.
 * @param storePath - the store directory (simple layout)
 * @param opts - repair, progress
 * @returns the problems found and what was repaired
 */
export async function fsck(storePath: string, opts: FsckOptions = {}): Promise<FsckResult> {
  const prefix = path.resolve(storePath);
  const blocksDir = path.join(prefix, 'blocks');
  const qdir = path.join(prefix, 'quarantine');
  const result: FsckResult = { checked: 0, ok: 0, problems: [], unrepaired: 0 };
  const dirty = new Set<string>();
  let qdirReady = false;

  const quarantine = async (abs: string, flatName: string): Promise<void> => {
    if (!qdirReady) {
      await fs.mkdir(qdir, { recursive: true });
      dirty.add(prefix);
      qdirReady = true;
    }
    // rename is atomic within the store, so the bad bytes are kept for inspection.
    await fs.rename(abs, await quarantineTarget(qdir, flatName));
    dirty.add(path.dirname(abs));
    dirty.add(qdir);
  };

  const report = async (
    kind: FsckProblemKind,
    abs: string,
    hash: string | null,
    detail: string,
    flatName: string,
  ): Promise<void> => {
    const problem: FsckProblem = {
      kind,
      path: path.relative(prefix, abs).split(path.sep).join('/'),
      hash,
      detail,
      action: 'none',
    };
    if (opts.repair) {
      try {
        if (kind === 'stale-temp') {
          await fs.unlink(abs);
          dirty.add(path.dirname(abs));
          problem.action = 'removed';
        } else if (kind !== 'not-a-file' && kind !== 'unreadable') {
          await quarantine(abs, flatName);
          problem.action = 'quarantined';
        }
      } catch (e) {
        problem.detail += ` (repair failed: ${(e as Error).message})`;
      }
    }
    // A stale temp file is a warning: an interrupted command, not a damaged store.
    if (problem.action === 'none' && kind !== 'stale-temp') result.unrepaired++;
    result.problems.push(problem);
  };

  const checkFile = async (abs: string, dirChar: string, name: string): Promise<void> => {
    result.checked++;
    opts.onFile?.(result.checked);
    const flat = dirChar + name;
    if (isTempName(name)) {
      await report('stale-temp', abs, null, 'leftover temp file of an interrupted write', flat);
      return;
    }
    let st;
    try {
      st = await fs.lstat(abs);
    } catch (e) {
      await report('unreadable', abs, null, (e as Error).message, flat);
      return;
    }
    if (!st.isFile()) {
      await report('not-a-file', abs, null, 'not a regular file', flat);
      return;
    }
    let expected: Uint8Array;
    try {
      expected = parseHash(flat);
    } catch {
      await report('bad-name', abs, null, 'the name is not base58 of 32 bytes', flat);
      return;
    }
    if (st.size > MAX_BLOCK_SIZE) {
      // Not read: a planted file of gigabytes would otherwise be loaded whole.
      await report('oversize', abs, flat, `${st.size} bytes, limit ${MAX_BLOCK_SIZE}`, flat);
      return;
    }
    let data: Buffer;
    try {
      data = await fs.readFile(abs);
    } catch (e) {
      await report('unreadable', abs, flat, (e as Error).message, flat);
      return;
    }
    const actual = hashBlock(data);
    if (equalBytes(actual, expected)) {
      result.ok++;
      return;
    }
    if (data.length === 0) await report('zero-size', abs, flat, 'empty file', flat);
    else
      await report(
        'hash-mismatch',
        abs,
        flat,
        `${data.length} bytes hashing to ${hashToString(actual)}`,
        flat,
      );
  };

  for (const entry of await readdirOrEmpty(blocksDir)) {
    const abs = path.join(blocksDir, entry);
    const st = await fs.lstat(abs);
    if (!st.isDirectory()) {
      // Files directly under blocks/ have no directory character in their name.
      await checkFile(abs, '', entry);
      continue;
    }
    for (const name of await readdirOrEmpty(abs))
      await checkFile(path.join(abs, name), entry, name);
  }
  await Promise.all([...dirty].map((d) => fsyncDir(d)));
  return result;
}
