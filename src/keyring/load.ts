/**
 * Reading keyring files from disk and expanding the paths that name them (files,
 * directories, globs). The library reports what it found — including an unsafe file
 * mode — and leaves printing to the CLI.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { sniffFileKind, wrongKindMessage } from '../codec/file-kind.js';
import { Hbs2Error, NotFoundError, UsageError } from '../errors.js';
import { fileError, readFileChecked } from '../fsutil.js';
import { parseKeyringFile, type Keyring } from './keyring.js';
import { hasSignKey } from './ops.js';

/** Largest keyring file read (≈ 200,000 entries); bounds memory on a wrong path. */
export const MAX_KEYRING_FILE_BYTES = 16 * 1024 * 1024;

/** A keyring read from a file, with what is needed to rewrite it faithfully. */
export interface LoadedKeyring {
  path: string;
  keyring: Keyring;
  /** The exact file bytes read. */
  bytes: Uint8Array;
  /** Permission bits of the file (`st.mode & 0o7777`). */
  mode: number;
  /** True when group or others have any access to it (ssh refuses such private keys). */
  insecure: boolean;
}

/** True when a secret file with these permission bits is accessible by group or others. */
export function isInsecureMode(mode: number): boolean {
  return process.platform !== 'win32' && (mode & 0o077) !== 0;
}

/**
 * Reads and parses one keyring file. Missing file → NotFoundError, unparseable →
 * FormatError naming the file (never its content).
 * @param file - the keyring file's path
 * @returns the keyring with its path and file mode
 * @throws {@link NotFoundError} or {@link FormatError} as above
 */
export async function readKeyringFile(file: string): Promise<LoadedKeyring> {
  const bytes = await readFileChecked(file, MAX_KEYRING_FILE_BYTES);
  let mode = 0o600;
  try {
    mode = (await fs.stat(file)).mode & 0o7777;
  } catch (e) {
    throw fileError(e, file);
  }
  const keyring = parseKeyringFile(bytes, file);
  return { path: file, keyring, bytes, mode, insecure: isInsecureMode(mode) };
}

/**
 * The warning a keyring file's permissions call for, as ssh gives for a private key:
 * null when only its owner can read it.
 * @param loaded - the file's path, mode and verdict, as {@link readKeyringFile} gives them
 * @returns the warning text, or null
 */
export function insecureKeyringWarning(
  loaded: Pick<LoadedKeyring, 'path' | 'mode' | 'insecure'>,
): string | null {
  if (!loaded.insecure) return null;
  const mode = loaded.mode.toString(8).padStart(4, '0');
  return `${loaded.path}: keyring is accessible by group or others (mode ${mode}); run: chmod 600 '${loaded.path}'`;
}

/**
 * Loads the keyrings named by `paths` (files, directories or globs, see
 * {@link expandPaths}). A file named directly must parse (its error is thrown); a file
 * found through a directory or glob that is not a keyring is skipped with a warning, and
 * a keyring readable by group or others is warned about.
 * @param paths - keyring files, directories or globs, in the order to try them
 * @param onWarning - receives each warning, in order, as it arises
 * @returns the keyrings with their paths, in order
 * @throws {@link NotFoundError} for a missing literal path; {@link UsageError} when that
 *   path is a public key given in place of a keyring; the error of a file named directly
 */
export async function loadKeyrings(
  paths: readonly string[],
  onWarning: (message: string) => void = () => {},
): Promise<Array<{ path: string; keyring: Keyring }>> {
  const out: Array<{ path: string; keyring: Keyring }> = [];
  let expanded;
  try {
    expanded = await expandPaths(paths);
  } catch (e) {
    const missing =
      e instanceof NotFoundError ? paths.find((p) => e.message.startsWith(`${p}:`)) : undefined;
    // `-k PUBKEY`, as age takes recipients inline: a key is no keyring, whatever the path says.
    if (missing !== undefined && sniffFileKind(missing) === 'public-key')
      throw new UsageError(wrongKindMessage(missing, 'public-key', 'a keyring file'), {
        hint: 'opening a group key needs the secret key: give the keyring file that holds it',
      });
    throw e;
  }
  for (const p of expanded) {
    let loaded: LoadedKeyring;
    try {
      loaded = await readKeyringFile(p.path);
    } catch (e) {
      if (p.explicit || !(e instanceof Hbs2Error)) throw e;
      onWarning(`${p.path}: skipped, not a keyring file`);
      continue;
    }
    const insecure = insecureKeyringWarning(loaded);
    if (insecure !== null) onWarning(insecure);
    out.push({ path: loaded.path, keyring: loaded.keyring });
  }
  return out;
}

/**
 * The keyring files among `paths` (files, directories or globs) whose signing public key
 * is `signKey`, each as it is found. A file that cannot be read as a keyring is skipped,
 * as hbs2's search skips it.
 * @param paths - keyring files, directories or globs
 * @param signKey - the ed25519 signing public key looked for
 * @returns the matching files' paths, in the order of {@link expandPaths}
 * @throws {@link NotFoundError} for a missing literal path
 */
export async function* findKeyringFiles(
  paths: readonly string[],
  signKey: Uint8Array,
): AsyncGenerator<string> {
  for (const p of await expandPaths(paths)) {
    let k: Keyring;
    try {
      k = (await readKeyringFile(p.path)).keyring;
    } catch (e) {
      if (e instanceof Hbs2Error) continue;
      throw e;
    }
    if (hasSignKey(k, signKey)) yield p.path;
  }
}

/** One path produced by {@link expandPaths}. */
export interface ExpandedPath {
  path: string;
  /**
   * True when the user named this file directly; false when it was found by listing a
   * directory or matching a glob (callers may then skip files that are not keyrings).
   */
  explicit: boolean;
}

/** True when `p` contains a glob metacharacter (`*`, `?` or `[`). */
export function hasGlob(p: string): boolean {
  return /[*?[]/.test(p);
}

/**
 * Expands each pattern: a regular file is itself; a directory means every regular,
 * non-hidden file directly inside it; a pattern with `*`, `?`, `[…]` or `**` is matched
 * component by component (hidden names only match a pattern that starts with `.`).
 * A missing literal path is a NotFoundError; a glob matching nothing gives nothing.
 * Results keep the order of the patterns, each pattern's matches sorted, without repeats.
 */
export async function expandPaths(patterns: readonly string[]): Promise<ExpandedPath[]> {
  const out: ExpandedPath[] = [];
  const seen = new Set<string>();
  const push = (p: string, explicit: boolean): void => {
    if (seen.has(p)) return;
    seen.add(p);
    out.push({ path: p, explicit });
  };
  for (const pattern of patterns) {
    if (!hasGlob(pattern)) {
      let st;
      try {
        st = await fs.stat(pattern);
      } catch (e) {
        throw fileError(e, pattern);
      }
      if (st.isDirectory()) for (const f of await filesIn(pattern)) push(f, false);
      else push(pattern, true);
      continue;
    }
    for (const f of await globFiles(pattern)) push(f, false);
  }
  return out;
}

/** Regular, non-hidden files directly inside `dir`, sorted by name. */
async function filesIn(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch (e) {
    throw fileError(e, dir);
  }
  const out: string[] = [];
  for (const name of names.sort()) {
    if (name.startsWith('.')) continue;
    const p = path.join(dir, name);
    if (await isFile(p)) out.push(p);
  }
  return out;
}

async function isFile(p: string): Promise<boolean> {
  try {
    return (await fs.stat(p)).isFile();
  } catch {
    return false;
  }
}

async function isDir(p: string): Promise<boolean> {
  try {
    return (await fs.stat(p)).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Regular files matching a glob. The pattern is split before its first component with a
 * metacharacter (as hbs2's `keyring find` does); the rest is matched per component.
 */
async function globFiles(pattern: string): Promise<string[]> {
  const parts = pattern.split(/[\\/]+/);
  const absolute = pattern.startsWith('/');
  let i = 0;
  while (i < parts.length && !hasGlob(parts[i]!)) i++;
  const fixed = parts.slice(0, i).join('/');
  const base = fixed === '' ? (absolute ? '/' : '.') : fixed;
  const rest = parts.slice(i).filter((p) => p !== '');
  const found: string[] = [];
  await walk(base, rest, fixed === '' && !absolute, found);
  return found.sort();
}

/** Matches `rest` (pattern components) below `dir`, collecting regular files into `out`. */
async function walk(dir: string, rest: string[], relative: boolean, out: string[]): Promise<void> {
  const [head, ...tail] = rest;
  if (head === undefined) {
    if (await isFile(dir)) out.push(dir);
    return;
  }
  const join = (name: string): string => (relative && dir === '.' ? name : path.join(dir, name));
  if (head === '**') {
    // `**` matches zero or more directories.
    await walk(dir, tail, relative, out);
    for (const name of await listNames(dir)) {
      if (name.startsWith('.')) continue;
      const p = join(name);
      if (await isDir(p)) await walk(p, rest, relative, out);
    }
    return;
  }
  if (!hasGlob(head)) {
    await walk(join(head), tail, relative, out);
    return;
  }
  const re = globComponentToRegExp(head);
  for (const name of await listNames(dir)) {
    if (name.startsWith('.') && !head.startsWith('.')) continue;
    if (re.test(name)) await walk(join(name), tail, relative, out);
  }
}

async function listNames(dir: string): Promise<string[]> {
  try {
    return (await fs.readdir(dir)).sort();
  } catch {
    // A glob over an unreadable or missing directory matches nothing, like a shell's.
    return [];
  }
}

/** A regular expression for one glob component: `*`, `?`, `[abc]`, `[!abc]`, `[a-z]`. */
export function globComponentToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 2);
      if (end < 0) {
        re += '\\[';
        continue;
      }
      let body = glob.slice(i + 1, end);
      const negate = body.startsWith('!') || body.startsWith('^');
      if (negate) body = body.slice(1);
      re += `[${negate ? '^' : ''}${body.replace(/[\\\]^]/g, '\\$&')}]`;
      i = end;
    } else re += c.replace(/[.+^${}()|\\\]]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 'u');
}
