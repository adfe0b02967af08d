/**
 * Whole-file writes of NCQ3 index and state files (spec ncq3-storage §8.2, §14.2 step 6):
 * a temp file in the workdir whose name starts with none of `f-`, `i-`, `s-` and ends in
 * `.part` (hbs2 deletes such leftovers at its start), fsynced, renamed into place, and the
 * directory fsynced, so a kill leaves the old state of the directory or the new one.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { fileError, fsyncDir, TEMP_PREFIX } from '../../fsutil.js';

/** The temp name `name` is written under before it is renamed into place. */
export const partName = (name: string): string => `${TEMP_PREFIX}${name}.part`;

/** Writes `parts` as `workdir/name`, durably and atomically. */
export async function writeFileDurably(
  workdir: string,
  name: string,
  parts: readonly Uint8Array[],
): Promise<void> {
  const target = path.join(workdir, name);
  const tmp = path.join(workdir, partName(name));
  try {
    const fh = await fs.open(tmp, 'w', 0o644);
    try {
      await writeAll(fh, parts, 0);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await fs.rename(tmp, target);
  } catch (e) {
    await fs.unlink(tmp).catch(() => undefined);
    throw fileError(e, target);
  }
  await fsyncDir(workdir);
}

/**
 * Writes `parts` back to back at `position` of `fh`, going on after a short write (which
 * writev may return for large requests).
 */
export async function writeAll(
  fh: fs.FileHandle,
  parts: readonly Uint8Array[],
  position: number,
): Promise<void> {
  const rest = parts.filter((p) => p.length > 0);
  while (rest.length > 0) {
    const { bytesWritten } = await fh.writev(rest, position);
    position += bytesWritten;
    let n = bytesWritten;
    while (rest.length > 0 && n >= rest[0]!.length) n -= rest.shift()!.length;
    if (rest.length > 0 && n > 0) rest[0] = rest[0]!.subarray(n);
  }
}
