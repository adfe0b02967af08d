/**
 * Every file a command writes with `-o` (and the files it rewrites in place) goes through
 * here, so that an output never replaces what is not ours:
 *
 * - a regular file, or a name that does not exist yet, gets a temp file (mode 0600, removed
 *   on SIGINT/SIGTERM) beside it, fsync, and a rename: a failure or a kill leaves the old
 *   file or the new one, never a torn one. An existing file keeps its mode (and, when we
 *   are root, its owner);
 * - a symlink is followed: the file it names is replaced, the link stays a link;
 * - anything else (a character or block device, a FIFO, a socket) is opened and written
 *   into directly, never renamed over or unlinked; `/dev/stdout` and `/dev/fd/N` of this
 *   process are its own descriptors, written as they are (stdout with back-pressure).
 */
import { promises as fs, constants as fsc, write as writeFd, type Stats } from 'node:fs';
import * as path from 'node:path';
import { UsageError } from '../../errors.js';
import { fileError, fsyncDir, tempPathFor } from '../../fsutil.js';
import { writeStdout, writeStdoutDone } from '../output.js';
import { trackTempFile, untrackTempFile } from './temp-files.js';

/** Where a command's output goes, written in pieces. */
export interface OutputSink {
  write(data: Uint8Array): Promise<void>;
  /** Makes the output final (renames the temp file into place; closes a device). */
  commit(): Promise<void>;
  /** Drops a partial output (removes the temp file; a device keeps what it got). */
  abort(): Promise<void>;
}

/** Options of {@link openOutputFile} and {@link writeOutputFile}. */
export interface OutputFileOptions {
  /**
   * Mode of a file this creates, less the umask (default 0o644). A function is asked when
   * the file is created, so a command can decide once it knows what it writes.
   */
  createMode?: number | (() => number);
  /** Mode of the result even when it replaces an existing file (secrets: 0o600). */
  forceMode?: number;
  /** Refuse to replace anything that exists (exit 2, hint --force). */
  exclusive?: boolean;
}

/** What an output name turned out to be. */
type OutputTarget =
  | { kind: 'file'; path: string; existing?: Stats }
  | { kind: 'direct'; path: string; existing: true }
  | { kind: 'descriptor'; fd: number; existing: true };

/** Linux's limit on symlinks followed while resolving one name. */
const MAX_SYMLINKS = 40;
/** A process's descriptor directory: `/dev/fd` and `/dev/stdout` lead here. */
const FD_DIR = /^\/proc\/(\d+)(\/task\/\d+)?\/fd$/;

/**
 * Follows `target` to what a write would reach: the real path of a regular file (existing
 * or not) or of something to write into directly.
 */
async function resolveOutputTarget(target: string): Promise<OutputTarget> {
  let p = path.resolve(target);
  for (let hops = 0; hops <= MAX_SYMLINKS; hops++) {
    const dir = await fs.realpath(path.dirname(p));
    p = path.join(dir, path.basename(p));
    // Entries of /proc/PID/fd look like symlinks but name open descriptors (pipes, ttys,
    // sockets, files opened by the shell): they are written through, never resolved or
    // replaced. Our own are used as they are (a socket cannot be opened by name).
    const fdDir = FD_DIR.exec(dir);
    if (fdDir) {
      const fd = Number(path.basename(p));
      return Number(fdDir[1]) === process.pid && Number.isSafeInteger(fd)
        ? { kind: 'descriptor', fd, existing: true }
        : { kind: 'direct', path: p, existing: true };
    }
    let st: Stats;
    try {
      st = await fs.lstat(p);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'file', path: p };
      throw e;
    }
    if (st.isSymbolicLink()) {
      p = path.resolve(dir, await fs.readlink(p));
      continue;
    }
    if (st.isDirectory()) throw new UsageError(`${target}: is a directory`);
    if (st.isFile()) return { kind: 'file', path: p, existing: st };
    return { kind: 'direct', path: p, existing: true };
  }
  throw new UsageError(`${target}: too many levels of symbolic links`);
}

/** Writes all of `data` (a pipe or device may take less than asked in one write). */
async function writeAll(fh: fs.FileHandle, data: Uint8Array): Promise<void> {
  let done = 0;
  while (done < data.length) done += (await fh.write(data, done, data.length - done)).bytesWritten;
}

/** The mode the finished file gets. */
function finalMode(existing: Stats | undefined, opts: OutputFileOptions): number {
  if (opts.forceMode !== undefined) return opts.forceMode;
  // Permission bits only: set-id bits are not carried over to content written by us.
  if (existing) return existing.mode & 0o777;
  const create = typeof opts.createMode === 'function' ? opts.createMode() : opts.createMode;
  return (create ?? 0o644) & ~process.umask();
}

/** A sink onto a temp file that replaces `dest` on commit. */
async function openReplacement(
  dest: OutputTarget & { kind: 'file' },
  opts: OutputFileOptions,
): Promise<OutputSink> {
  const tmp = tempPathFor(dest.path);
  trackTempFile(tmp);
  let fh: fs.FileHandle | undefined;
  const drop = async (): Promise<void> => {
    await fh?.close().catch(() => undefined);
    fh = undefined;
    await fs.unlink(tmp).catch(() => undefined);
    untrackTempFile(tmp);
  };
  try {
    fh = await fs.open(tmp, 'wx', 0o600);
  } catch (e) {
    await drop();
    throw e;
  }
  const handle = fh;
  return {
    write: (data) => writeAll(handle, data),
    async commit() {
      try {
        const { existing } = dest;
        // Root keeps the replaced file's owner (a user's file stays theirs).
        if (existing && process.getuid?.() === 0) await handle.chown(existing.uid, existing.gid);
        await handle.chmod(finalMode(existing, opts));
        await handle.sync();
        await handle.close();
        fh = undefined;
        if (opts.exclusive) {
          // link() fails if the name appeared meanwhile, which rename() would replace.
          await fs.link(tmp, dest.path);
          await fs.unlink(tmp);
        } else await fs.rename(tmp, dest.path);
      } finally {
        await drop();
      }
      await fsyncDir(path.dirname(dest.path));
    },
    abort: drop,
  };
}

/** A sink writing straight into a device, FIFO or descriptor, which stays what it is. */
async function openDirect(dest: OutputTarget & { kind: 'direct' }): Promise<OutputSink> {
  // No O_CREAT: if the device vanished meanwhile, nothing is created in its place.
  // O_APPEND: through /dev/stdout to a file the shell opened, add to what it holds.
  const fh = await fs.open(dest.path, fsc.O_WRONLY | fsc.O_APPEND | fsc.O_NOCTTY);
  const close = () => fh.close().catch(() => undefined);
  return { write: (data) => writeAll(fh, data), commit: () => fh.close(), abort: close };
}

/** A sink onto one of our open descriptors (`/dev/stdout`, `/dev/fd/N`), left open. */
function descriptorSink(fd: number): OutputSink {
  const done = async (): Promise<void> => {};
  if (fd === 1) return { write: writeStdoutDone, commit: done, abort: done };
  const write = async (data: Uint8Array): Promise<void> => {
    for (let at = 0; at < data.length;) at += await writeToFd(fd, data.subarray(at));
  };
  return { write, commit: done, abort: done };
}

function writeToFd(fd: number, data: Uint8Array): Promise<number> {
  return new Promise((resolve, reject) =>
    writeFd(fd, data, (e, n) => (e ? reject(e) : resolve(n))),
  );
}

/**
 * The sink for `-o target`: nothing is touched until the first write (or the commit of an
 * empty output), and file-system failures become typed errors naming `target`.
 */
export function openOutputFile(target: string, opts: OutputFileOptions = {}): OutputSink {
  let inner: Promise<OutputSink> | undefined;
  const open = async (): Promise<OutputSink> => {
    const dest = await resolveOutputTarget(target);
    if (opts.exclusive && dest.existing)
      throw Object.assign(new Error('exists'), { code: 'EEXIST' });
    if (dest.kind === 'descriptor') return descriptorSink(dest.fd);
    return dest.kind === 'file' ? openReplacement(dest, opts) : openDirect(dest);
  };
  const named = async <T>(step: () => Promise<T>): Promise<T> => {
    try {
      return await step();
    } catch (e) {
      throw fileError(e, target);
    }
  };
  return {
    write: (data) => named(async () => (await (inner ??= open())).write(data)),
    commit: () => named(async () => (await (inner ??= open())).commit()),
    async abort() {
      const sink = await inner?.catch(() => undefined);
      await sink?.abort();
    },
  };
}

/** Writes a whole output file (see {@link openOutputFile}); nothing is left on failure. */
export async function writeOutputFile(
  target: string,
  data: Uint8Array | string,
  opts: OutputFileOptions = {},
): Promise<void> {
  const sink = openOutputFile(target, opts);
  try {
    await sink.write(typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
  } catch (e) {
    await sink.abort();
    throw e;
  }
  await sink.commit();
}

/** Writes `data` to `-o output`, or to stdout when there is none or it is `-`. */
export async function writeOutput(
  output: string | undefined,
  data: Uint8Array | string,
  opts: OutputFileOptions = {},
): Promise<void> {
  if (output === undefined || output === '-') await writeStdout(data);
  else await writeOutputFile(output, data, opts);
}
