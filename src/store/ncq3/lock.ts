/**
 * The writer's lock of an NCQ3 store (spec ncq3-storage §4): BSD `flock(2)` with
 * `LOCK_EX | LOCK_NB` on `<root>/0/.lock`, the lock hbs2-peer takes for its whole run.
 *
 * Node has no flock, and an `fcntl` lock does not conflict with it. The lock is taken
 * through util-linux's `flock(1)` on a descriptor this process opened: the child inherits
 * the descriptor (the same open file description), locks it and exits. A flock belongs to
 * the open file description, not to the process that asked for it, so the lock stays with
 * this process's descriptor until it is closed, and the kernel releases it when this
 * process dies in any way (SIGKILL included): there is no helper process to outlive us and
 * no lock to go stale. Nothing native is loaded, and no dependency is added.
 */
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { IntegrityError, UsageError } from '../../errors.js';
import { fileError } from '../../fsutil.js';

/** The exit status asked of flock(1) when the lock is held (sysexits' EX_TEMPFAIL). */
const HELD = 75;

/** A held lock; {@link release} closes the descriptor, which releases it. */
export interface HeldLock {
  readonly file: string;
  release(): Promise<void>;
}

/**
 * Takes the exclusive lock on `file` (created if missing), failing at once when another
 * process (hbs2-peer, or another writer) holds it.
 */
export async function lockStore(file: string): Promise<HeldLock> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(file, 'a', 0o666);
  } catch (e) {
    throw fileError(e, file);
  }
  const r = spawnSync(
    'flock',
    ['--exclusive', '--nonblock', '--conflict-exit-code', `${HELD}`, '3'],
    {
      stdio: ['ignore', 'ignore', 'pipe', handle.fd],
    },
  );
  if (r.status === 0) return { file, release: () => handle.close() };
  await handle.close();
  if (r.status === HELD)
    throw new UsageError(`${file} is locked by another process${await holderOf(file)}`, {
      hint: 'a running hbs2-peer, or another hbs2 command writing to this store, holds it; stop it, or wait for it to finish',
    });
  const why = r.error ? r.error.message : (r.stderr?.toString().trim() ?? `status ${r.status}`);
  throw new IntegrityError(`cannot take the lock ${file} with flock(1): ${why}`, {
    hint: 'writing to an NCQ3 store needs util-linux flock(1) (Debian: apt install util-linux)',
  });
}

/**
 * ` (pid N, NAME)` for the process /proc/locks names as the holder of `file`'s flock, or
 * an empty string when it cannot be told (not Linux, or the holder has exited while its
 * descriptor lives on in another process).
 */
async function holderOf(file: string): Promise<string> {
  try {
    const st = await fs.stat(file);
    const locks = await fs.readFile('/proc/locks', 'latin1');
    for (const line of locks.split('\n')) {
      const f = line.trim().split(/\s+/);
      // "1: FLOCK  ADVISORY  WRITE 1234 08:01:5678 0 EOF"
      if (f[1] !== 'FLOCK' || f[3] !== 'WRITE') continue;
      const inode = f[5]?.split(':')[2];
      if (inode !== String(st.ino)) continue;
      const pid = f[4]!;
      const name = await fs.readFile(`/proc/${pid}/comm`, 'latin1').catch(() => '');
      return name ? ` (pid ${pid}, ${name.trim()})` : ` (pid ${pid})`;
    }
  } catch {
    // Only a better message is lost.
  }
  return '';
}
