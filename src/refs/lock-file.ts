/**
 * A writer lock between processes, as a file created with O_EXCL. Node has no `flock`,
 * and the lock must survive a killed holder: the file names its holder (pid and host),
 * and a lock whose holder process no longer exists on this host is broken.
 */
import { promises as fs } from 'node:fs';
import { randomBytes } from 'node:crypto';
import * as os from 'node:os';
import { Hbs2Error } from '../errors.js';
import { fileError } from '../fsutil.js';

/** Options of {@link withLockFile}. */
export interface LockFileOptions {
  /** How long to wait for another holder before giving up (default 10 s). */
  timeoutMs?: number;
  /** Pause between attempts (default 20 ms). */
  retryMs?: number;
}

/**
 * A lock file whose content cannot be parsed (its writer was killed between creating and
 * filling it) is taken as stale once it is this old.
 */
const UNREADABLE_LOCK_STALE_MS = 5_000;

/** Runs `fn` while holding the lock file `lockPath` (created, and removed afterwards). */
export async function withLockFile<T>(
  lockPath: string,
  fn: () => Promise<T>,
  opts: LockFileOptions = {},
): Promise<T> {
  const token = `${process.pid} ${os.hostname()} ${randomBytes(8).toString('hex')}\n`;
  await acquire(lockPath, token, Date.now() + (opts.timeoutMs ?? 10_000), opts.retryMs ?? 20);
  try {
    return await fn();
  } finally {
    await release(lockPath, token);
  }
}

function errnoCode(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException | undefined)?.code;
}

async function acquire(lockPath: string, token: string, deadline: number, retryMs: number) {
  for (;;) {
    try {
      await fs.writeFile(lockPath, token, { flag: 'wx', mode: 0o644 });
      return;
    } catch (e) {
      if (errnoCode(e) !== 'EEXIST') throw fileError(e, lockPath);
    }
    const holder = await readHolder(lockPath);
    if (holder === null) continue; // released meanwhile
    if (await isStale(lockPath, holder)) {
      await breakStale(lockPath, holder);
      continue;
    }
    if (Date.now() > deadline) {
      const pid = holder.split(' ')[0] || 'unknown';
      throw new Hbs2Error(`${lockPath} is held by another writer (process ${pid})`, {
        hint: `wait for it to finish; if no such process runs, remove ${lockPath}`,
      });
    }
    await new Promise((resolve) => setTimeout(resolve, retryMs));
  }
}

/** The lock file's content, or null when it is gone. */
async function readHolder(lockPath: string): Promise<string | null> {
  try {
    return await fs.readFile(lockPath, 'utf8');
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return null;
    throw fileError(e, lockPath);
  }
}

/** Whether `holder` (the lock file's content) names a process known to be gone. */
async function isStale(lockPath: string, holder: string): Promise<boolean> {
  const [pidText, host] = holder.trim().split(' ');
  const pid = Number(pidText);
  if (!Number.isSafeInteger(pid) || pid <= 0 || host === undefined) {
    const st = await fs.stat(lockPath).catch(() => null);
    return st !== null && Date.now() - st.mtimeMs > UNREADABLE_LOCK_STALE_MS;
  }
  if (host !== os.hostname()) return false; // cannot tell; wait for the timeout
  try {
    process.kill(pid, 0);
    return false;
  } catch (e) {
    return errnoCode(e) === 'ESRCH';
  }
}

/**
 * Removes a stale lock without removing a fresh one taken in between by another process
 * that broke it first: the file is renamed away (atomic: one breaker wins) and, if what
 * was renamed is not the stale content, put back.
 */
async function breakStale(lockPath: string, holder: string): Promise<void> {
  const aside = `${lockPath}.stale-${randomBytes(6).toString('hex')}`;
  try {
    await fs.rename(lockPath, aside);
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return;
    throw fileError(e, lockPath);
  }
  const moved = await fs.readFile(aside, 'utf8').catch(() => holder);
  if (moved !== holder) await fs.link(aside, lockPath).catch(() => undefined);
  await fs.unlink(aside).catch(() => undefined);
}

async function release(lockPath: string, token: string): Promise<void> {
  // Only our own lock is removed: a lock broken as stale may belong to someone else now.
  if ((await readHolder(lockPath).catch(() => null)) === token)
    await fs.unlink(lockPath).catch(() => undefined);
}
