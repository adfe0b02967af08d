/**
 * Loading keyrings for commands: expands files, directories and globs, parses each file,
 * and warns (as ssh does) when a file holding secret keys is accessible by group or others.
 */
import { promises as fs } from 'node:fs';
import { sniffFileKind, wrongKindMessage } from '../codec/file-kind.js';
import { Hbs2Error, NotFoundError, UsageError } from '../errors.js';
import { fileError } from '../fsutil.js';
import type { Keyring } from '../keyring/keyring.js';
import { expandPaths, readKeyringFile, type LoadedKeyring } from '../keyring/load.js';
import { warn } from './output.js';

/** Warns on stderr when a loaded keyring file has group/other permissions. */
export function warnIfInsecure(loaded: Pick<LoadedKeyring, 'path' | 'mode' | 'insecure'>): void {
  if (!loaded.insecure) return;
  const mode = loaded.mode.toString(8).padStart(4, '0');
  warn(
    `${loaded.path}: keyring is accessible by group or others (mode ${mode}); run: chmod 600 '${loaded.path}'`,
  );
}

/** Reads one keyring file, warning when its permissions are too open. */
export async function loadKeyringFile(file: string): Promise<LoadedKeyring> {
  const loaded = await readKeyringFile(file);
  warnIfInsecure(loaded);
  return loaded;
}

/**
 * Loads the keyrings named by `paths` (files, directories or globs). A file named directly
 * must parse (its error is thrown); a file found through a directory or glob that is not a
 * keyring is skipped with a warning. A missing literal path is a NotFoundError.
 */
export async function loadKeyringsFromPaths(
  paths: string[],
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
      warn(`${p.path}: skipped, not a keyring file`);
      continue;
    }
    warnIfInsecure(loaded);
    out.push({ path: loaded.path, keyring: loaded.keyring });
  }
  return out;
}

/**
 * A clear error when an output file (a keyring, a config) exists and --force was not
 * given. The exclusive write still guards against a file appearing in between.
 */
export async function refuseExisting(file: string): Promise<void> {
  try {
    await fs.lstat(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') return;
    throw fileError(e, file);
  }
  throw new UsageError(`refusing to overwrite existing file '${file}'`, {
    hint: 'use --force to replace it',
  });
}
