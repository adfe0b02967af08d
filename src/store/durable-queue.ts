/**
 * Durability for block files (spec §6.3, issue 14 "the simple layout, faster"). A put
 * writes its block to a temp file and hands the open file here; the queue fsyncs files
 * a bounded number at a time in libuv's thread pool, renames each over its final name as
 * soon as its own data is synced, and fsyncs every touched directory once, in
 * {@link DurableWriteQueue.drain}. Many fsyncs in flight let the file system commit them
 * together, and still no block name ever shows bytes that were not synced first: a kill
 * leaves only temp files behind (fsck --repair clears them).
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { fileError, fsyncDir } from '../fsutil.js';

/** The file-system calls the queue makes; tests wrap the real ones to record the order. */
export interface DurableFileOps {
  sync(fh: fs.FileHandle): Promise<void>;
  close(fh: fs.FileHandle): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  unlink(file: string): Promise<void>;
  syncDir(dir: string): Promise<void>;
}

/** The real calls. */
export const realFileOps: DurableFileOps = {
  sync: (fh) => fh.sync(),
  close: (fh) => fh.close(),
  rename: (from, to) => fs.rename(from, to),
  unlink: (file) => fs.unlink(file),
  syncDir: fsyncDir,
};

/** Options for {@link DurableWriteQueue}. */
export interface DurableWriteQueueOptions {
  /** fsync each file before renaming it (default true; false only for tests and benches). */
  syncFiles?: boolean;
  /**
   * fsyncs running at once (default 3: libuv has four threads unless UV_THREADPOOL_SIZE
   * says otherwise, and one is left for the reads and writes of the blocks that follow,
   * which would otherwise queue behind fsyncs).
   */
  parallelism?: number;
  ops?: DurableFileOps;
}

/** A written temp file on its way to its final name. */
interface PendingFile {
  fh: fs.FileHandle;
  tmp: string;
  file: string;
  done: () => void;
  failed: (e: Error) => void;
}

/** fsyncs and renames of written block files, bounded; directory fsyncs batched. */
export class DurableWriteQueue {
  private readonly syncFiles: boolean;
  private readonly parallelism: number;
  private readonly ops: DurableFileOps;
  private readonly waiting: PendingFile[] = [];
  private running = 0;
  /** Settles when every file handed over so far is through (renamed or failed). */
  private readonly inFlight = new Set<Promise<void>>();
  /** Directories with renames (or other entry changes) not yet fsynced. */
  private readonly dirtyDirs = new Set<string>();

  constructor(opts: DurableWriteQueueOptions = {}) {
    this.syncFiles = opts.syncFiles ?? true;
    this.parallelism = Math.max(1, opts.parallelism ?? 3);
    this.ops = opts.ops ?? realFileOps;
  }

  /** Records that an entry of `dir` changed (created, renamed, unlinked); synced at drain. */
  markDirty(dir: string): void {
    this.dirtyDirs.add(dir);
  }

  /**
   * Takes over `fh`, the open temp file `tmp` holding the whole new content of `file`;
   * resolves once it is fsynced, closed and renamed to `file` (its directory is fsynced
   * at {@link drain}). On failure `tmp` is removed and the promise rejects.
   */
  add(fh: fs.FileHandle, tmp: string, file: string): Promise<void> {
    const committed = new Promise<void>((done, failed) =>
      this.waiting.push({ fh, tmp, file, done, failed }),
    );
    const settled = committed.catch(() => undefined);
    this.inFlight.add(settled);
    void settled.then(() => this.inFlight.delete(settled));
    this.pump();
    return committed;
  }

  /**
   * Resolves once every file handed over is through and every touched directory is
   * fsynced. A failed file was already reported to its {@link add}.
   */
  async drain(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all(this.inFlight);
    const dirs = [...this.dirtyDirs];
    this.dirtyDirs.clear();
    await Promise.all(dirs.map((d) => this.ops.syncDir(d)));
  }

  /** Starts as many waiting files as the parallelism allows. */
  private pump(): void {
    while (this.running < this.parallelism && this.waiting.length > 0) {
      const next = this.waiting.shift()!;
      this.running++;
      void this.commit(next).then(
        () => this.finished(next.done),
        (e: unknown) => this.finished(() => next.failed(fileError(e, next.file))),
      );
    }
  }

  /** fsync, close, rename; a temp file that does not make it is closed and removed. */
  private async commit(p: PendingFile): Promise<void> {
    try {
      if (this.syncFiles) await this.ops.sync(p.fh);
      await this.ops.close(p.fh);
    } catch (e) {
      await this.ops.close(p.fh).catch(() => undefined);
      await this.ops.unlink(p.tmp).catch(() => undefined);
      throw e;
    }
    try {
      // Only now may the name appear: its bytes are on disk.
      await this.ops.rename(p.tmp, p.file);
    } catch (e) {
      await this.ops.unlink(p.tmp).catch(() => undefined);
      throw e;
    }
    this.dirtyDirs.add(path.dirname(p.file));
  }

  private finished(report: () => void): void {
    this.running--;
    report();
    this.pump();
  }
}
