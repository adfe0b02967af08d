/**
 * Loading keyrings for commands through the library (src/keyring/load.ts), its warnings
 * (a keyring file readable by group or others, as ssh warns; a file skipped) on stderr.
 */
import { promises as fs } from 'node:fs';
import { UsageError } from '../errors.js';
import { fileError } from '../fsutil.js';
import type { Keyring } from '../keyring/keyring.js';
import {
  insecureKeyringWarning,
  loadKeyrings,
  readKeyringFile,
  type LoadedKeyring,
} from '../keyring/load.js';
import { warn } from './output.js';

/** Warns on stderr when a loaded keyring file has group/other permissions. */
function warnIfInsecure(loaded: Pick<LoadedKeyring, 'path' | 'mode' | 'insecure'>): void {
  const warning = insecureKeyringWarning(loaded);
  if (warning !== null) warn(warning);
}

/** Reads one keyring file, warning when its permissions are too open. */
export async function loadKeyringFile(file: string): Promise<LoadedKeyring> {
  const loaded = await readKeyringFile(file);
  warnIfInsecure(loaded);
  return loaded;
}

/**
 * Loads the keyrings named by `paths` (files, directories or globs) with the library's
 * {@link loadKeyrings}, its warnings on stderr.
 */
export function loadKeyringsFromPaths(
  paths: string[],
): Promise<Array<{ path: string; keyring: Keyring }>> {
  return loadKeyrings(paths, warn);
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
