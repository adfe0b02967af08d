/**
 * File helpers shared by the library: temp file names, directory fsyncs (for atomic
 * replacement: temp file in the same directory, fsync, rename, fsync the directory) and
 * reads with typed errors.
 */
import { promises as fs, constants as fsc } from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { FormatError, Hbs2Error, IoError, NotFoundError, UsageError } from './errors.js';

/** Prefix of every temp file the toolkit creates; fsck recognises and cleans these. */
export const TEMP_PREFIX = '.hbs2-tmp-';

/** A unique temp file name beside `target`. */
export function tempPathFor(target: string): string {
  return path.join(
    path.dirname(target),
    `${TEMP_PREFIX}${path.basename(target)}.${randomBytes(6).toString('hex')}`,
  );
}

/** fsyncs a directory so a rename inside it is durable. Errors are ignored where unsupported. */
export async function fsyncDir(dir: string): Promise<void> {
  let fh: fs.FileHandle | undefined;
  try {
    fh = await fs.open(dir, fsc.O_RDONLY);
    await fh.sync();
  } catch {
    // Some filesystems refuse to fsync directories; durability is then best effort.
  } finally {
    await fh?.close();
  }
}

/** Turns a Node file-system error into the toolkit's typed error for `file`. */
export function fileError(e: unknown, file: string): Error {
  if (e instanceof Hbs2Error) return e;
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT':
      return new NotFoundError(`${file}: no such file or directory`);
    case 'EISDIR':
      return new UsageError(`${file}: is a directory`);
    case 'ENOTDIR':
      return new NotFoundError(`${file}: a path component is not a directory`);
    case 'EACCES':
    case 'EPERM':
      return new IoError(`${file}: permission denied`, {
        hint: 'check the permissions of the file and of its directory',
      });
    case 'EEXIST':
      return new UsageError(`${file}: already exists`, { hint: 'use --force to overwrite' });
    case 'ENOSPC':
      return new IoError(`${file}: no space left on device`);
    case 'EDQUOT':
      return new IoError(`${file}: disk quota exceeded`);
    case 'EROFS':
      return new IoError(`${file}: read-only file system`, {
        hint: 'a read-only store can still be read: cat, deps, fsck (without --repair)',
      });
    case 'EIO':
      return new IoError(`${file}: input/output error`);
    default:
      return e instanceof Error ? e : new Error(String(e));
  }
}

/**
 * The real reason a recursive mkdir of `dir` failed. Node reports ENOENT when a parent
 * could not be created on a read-only file system (or without permission): retrying the
 * first missing component alone gives its true error (EROFS, EACCES), which is then a
 * typed error for `dir` ({@link fileError}).
 */
export async function mkdirError(e: unknown, dir: string): Promise<Error> {
  if ((e as NodeJS.ErrnoException | undefined)?.code !== 'ENOENT') return fileError(e, dir);
  let missing = path.resolve(dir);
  while (path.dirname(missing) !== missing) {
    const parent = path.dirname(missing);
    const exists = await fs.stat(parent).then(
      () => true,
      () => false,
    );
    if (exists) break;
    missing = parent;
  }
  try {
    await fs.mkdir(missing);
  } catch (real) {
    if ((real as NodeJS.ErrnoException).code !== 'EEXIST') return fileError(real, dir);
  }
  return fileError(e, dir);
}

/**
 * Reads a whole file with typed errors: missing → NotFoundError, directory → UsageError,
 * larger than `maxBytes` → FormatError.
 */
export async function readFileChecked(file: string, maxBytes = 64 * 1024 * 1024): Promise<Buffer> {
  try {
    const st = await fs.stat(file);
    if (st.isDirectory()) throw new UsageError(`${file}: is a directory, expected a file`);
    if (st.size > maxBytes)
      throw new FormatError(`${file}: file too large (${st.size} bytes, limit ${maxBytes})`);
    return await fs.readFile(file);
  } catch (e) {
    throw fileError(e, file);
  }
}
