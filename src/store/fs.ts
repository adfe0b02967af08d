/**
 * The file-system block store in hbs2's simple-storage layout (spec §6.1):
 * `<prefix>/blocks/<first base58 char>/<rest of base58>`, one file per block holding
 * exactly its bytes. An existing hbs2 store works as it is.
 *
 * Durability (spec §6.3): a block is written to a temp file in its own directory, the
 * file is fsynced, then renamed over its final name, so a kill at any moment never leaves
 * a file under a block name whose content does not hash to that name. The fsyncs and renames
 * run in a bounded pool ({@link DurableWriteQueue}; many at once let the file system
 * commit them together) and directory fsyncs are batched: a put resolves once its block
 * is synced and under its name, and {@link FsBlockStore.flush} once every directory
 * touched is synced too, so everything put before it is durable.
 */
import { closeSync, constants as fsConstants, openSync, promises as fs, readSync } from 'node:fs';
import * as path from 'node:path';
import { BASE58_ALPHABET } from '../codec/base58.js';
import { fileError, mkdirError, tempPathFor, TEMP_PREFIX } from '../fsutil.js';
import type { BlockStore } from './blockstore.js';
import type { BlockBufferPool } from './block-buffers.js';
import { DurableWriteQueue } from './durable-queue.js';
import { equalBytes, hashBlock, hashToString, parseHash, verifyBlock } from './hash.js';
import { checkBlockStat } from './limits.js';

/** Options for {@link FsBlockStore}. */
export interface FsBlockStoreOptions {
  /** fsync each block file before renaming it into place (default true). */
  syncFiles?: boolean;
  /** Block files fsynced at once (default 3; see {@link DurableWriteQueueOptions}). */
  syncParallelism?: number;
  /**
   * Buffers {@link FsBlockStore.getUnverified} reads into (a streaming reader releases
   * each block back after use); default: a fresh buffer per read.
   */
  readBuffers?: BlockBufferPool;
  /**
   * Read pooled block files with synchronous system calls (default false). Streaming a
   * tree from the page cache, a 256 KiB read takes tens of microseconds while three round
   * trips through libuv's thread pool (open, read, close) take several times that and
   * left the decrypting workers idle. It blocks the event loop for each read, so it is
   * for the command line, not for servers.
   */
  syncReads?: boolean;
}

/** True for names of temp files left by this toolkit or by hbs2's atomic-write. */
export function isTempName(name: string): boolean {
  return name.startsWith(TEMP_PREFIX) || /^atomic.*\.write$/.test(name);
}

function errnoCode(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException | undefined)?.code;
}

/** Blocks as files under `<prefix>/blocks/`. */
export class FsBlockStore implements BlockStore {
  /** The store's absolute root directory. */
  readonly prefix: string;
  /** `<prefix>/blocks`. */
  readonly blocksDir: string;
  private readonly readBuffers: BlockBufferPool | undefined;
  private readonly syncReads: boolean;
  /** Directories known to exist (created or seen) in this process. */
  private readonly knownDirs = new Set<string>();
  /** Block files written and on their way to durability under their names. */
  private readonly durable: DurableWriteQueue;

  constructor(prefix: string, opts: FsBlockStoreOptions = {}) {
    this.prefix = path.resolve(prefix);
    this.blocksDir = path.join(this.prefix, 'blocks');
    this.durable = new DurableWriteQueue({
      syncFiles: opts.syncFiles,
      parallelism: opts.syncParallelism,
    });
    this.readBuffers = opts.readBuffers;
    this.syncReads = opts.syncReads ?? false;
  }

  /** The file a block lives in: `blocks/<b58[0]>/<b58[1..]>`. */
  blockPath(hash: Uint8Array): string {
    const name = hashToString(hash);
    return path.join(this.blocksDir, name[0]!, name.slice(1));
  }

  /** Creates `dir` (and its parents) once per process, marking new parents dirty. */
  private async ensureDir(dir: string): Promise<void> {
    if (this.knownDirs.has(dir)) return;
    try {
      const created = await fs.mkdir(dir, { recursive: true });
      // A newly created directory entry is durable only once its parent is synced.
      if (created !== undefined) {
        let d = dir;
        while (d.length >= created.length && d !== path.dirname(d)) {
          this.durable.markDirty(path.dirname(d));
          d = path.dirname(d);
        }
      }
    } catch (e) {
      throw await mkdirError(e, dir);
    }
    this.knownDirs.add(dir);
  }

  /** Creates `blocks/` and its 58 subdirectories, as hbs2 does at start. */
  async init(): Promise<void> {
    await Promise.all(
      [...BASE58_ALPHABET].map((c) => this.ensureDir(path.join(this.blocksDir, c))),
    );
  }

  /** {@inheritDoc BlockStore.put} */
  async put(block: Uint8Array, hash?: Uint8Array): Promise<Uint8Array> {
    const h = hash ?? hashBlock(block);
    const file = this.blockPath(h);
    if (await holdsBlock(file, h, block.length)) return h;
    await this.ensureDir(path.dirname(file));
    const tmp = tempPathFor(file);
    let written: fs.FileHandle;
    try {
      written = await writeTemp(tmp, block);
    } catch (e) {
      await fs.unlink(tmp).catch(() => undefined);
      throw fileError(e, file);
    }
    await this.durable.add(written, tmp, file);
    return h;
  }
  /** {@inheritDoc BlockStore.get} */
  async get(hash: Uint8Array): Promise<Uint8Array | null> {
    const block = await this.getUnverified(hash);
    return block && verifyBlock(hash, block);
  }

  /** {@inheritDoc BlockStore.getUnverified} */
  async getUnverified(hash: Uint8Array): Promise<Uint8Array | null> {
    const file = this.blockPath(hash);
    try {
      const pooled = this.readBuffers && (await this.readPooled(file, this.readBuffers));
      if (pooled) return pooled;
      return await readBlockFile(file, hash);
    } catch (e) {
      const code = errnoCode(e);
      if (code === 'ENOENT' || code === 'ENOTDIR') return null;
      // A FIFO, device or directory under a block name fails to read (ESPIPE, EAGAIN,
      // EISDIR): report what it is rather than the system call's complaint.
      if (code !== undefined) checkBlockStat(hash, await fs.stat(file).catch(() => REGULAR));
      throw fileError(e, file);
    }
  }

  /**
   * Reads `file` into a pooled buffer with one read; null (buffer given back) when the
   * file fills the buffer, i.e. is bigger than any block the pool is sized for.
   */
  private async readPooled(file: string, pool: BlockBufferPool): Promise<Uint8Array | null> {
    if (this.syncReads) return readPooledSync(file, pool);
    const fh = await fs.open(file, READ_FLAGS);
    const buf = pool.take();
    try {
      // One read: a regular file returns less than asked for only at its end.
      const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
      return fitOrRelease(buf, bytesRead, pool);
    } finally {
      await fh.close();
    }
  }

  /** {@inheritDoc BlockStore.has} */
  async has(hash: Uint8Array): Promise<boolean> {
    const file = this.blockPath(hash);
    try {
      return (await fs.stat(file)).isFile();
    } catch {
      return false;
    }
  }

  /** A block's size in bytes without reading it (its file's size); null when absent. */
  async sizeOf(hash: Uint8Array): Promise<number | null> {
    const file = this.blockPath(hash);
    const st = await fs.stat(file).catch(() => null);
    if (!st) return null;
    // A file over the size limit, or not a regular file, is refused as reading it would be.
    checkBlockStat(hash, st);
    return st.size;
  }

  /**
   * When the block's file was last modified (ms since the epoch); null when it is absent
   * or not a regular file (fsck reports those).
   */
  async modifiedAt(hash: Uint8Array): Promise<number | null> {
    const file = this.blockPath(hash);
    try {
      const st = await fs.lstat(file);
      return st.isFile() ? st.mtimeMs : null;
    } catch (e) {
      if (errnoCode(e) === 'ENOENT' || errnoCode(e) === 'ENOTDIR') return null;
      throw fileError(e, file);
    }
  }

  /** {@inheritDoc BlockStore.del} */
  async del(hash: Uint8Array): Promise<boolean> {
    const file = this.blockPath(hash);
    try {
      await fs.unlink(file);
    } catch (e) {
      const code = errnoCode(e);
      if (code === 'ENOENT' || code === 'ENOTDIR') return false;
      throw fileError(e, file);
    }
    this.durable.markDirty(path.dirname(file));
    return true;
  }

  /** {@inheritDoc BlockStore.hashes} */
  async *hashes(): AsyncIterable<Uint8Array> {
    let dirs: string[];
    try {
      dirs = await fs.readdir(this.blocksDir);
    } catch (e) {
      if (errnoCode(e) === 'ENOENT') return;
      throw fileError(e, this.blocksDir);
    }
    for (const c of dirs.sort()) {
      if (c.length !== 1 || !BASE58_ALPHABET.includes(c)) continue;
      let names: string[];
      try {
        names = await fs.readdir(path.join(this.blocksDir, c));
      } catch {
        continue;
      }
      for (const name of names.sort()) {
        if (isTempName(name)) continue;
        let h: Uint8Array;
        try {
          h = parseHash(c + name);
        } catch {
          continue;
        }
        yield h;
      }
    }
  }

  /**
   * Resolves once every block put before is durable under its final name (its data
   * fsynced, renamed, its directory fsynced); rejects with the first failure of any.
   */
  async flush(): Promise<void> {
    await this.durable.drain();
  }
}

/**
 * True when `file` already holds the block `hash` of `size` bytes, so a put can skip the
 * write (deduplication). The content is hashed, not only the size compared: a planted or
 * damaged file under a block name would otherwise be taken for the block, and every later
 * store of the same content (a group key's tree has a predictable name) would reference
 * bytes that do not hash to it. Anything else under the name is replaced by the caller.
 */
async function holdsBlock(file: string, hash: Uint8Array, size: number): Promise<boolean> {
  let existing: Uint8Array;
  try {
    const st = await fs.stat(file);
    if (!st.isFile() || st.size !== size) return false;
    existing = await fs.readFile(file);
  } catch (e) {
    const code = errnoCode(e);
    if (code === 'ENOENT' || code === 'ENOTDIR') return false;
    throw fileError(e, file);
  }
  return equalBytes(hashBlock(existing), hash);
}

/** Creates `tmp` (which must not exist) holding `block`; the file is left open. */
async function writeTemp(tmp: string, block: Uint8Array): Promise<fs.FileHandle> {
  const fh = await fs.open(tmp, 'wx', 0o644);
  try {
    await fh.writeFile(block);
  } catch (e) {
    await fh.close().catch(() => undefined);
    throw e;
  }
  return fh;
}

/**
 * Block files are opened non-blocking: opening a FIFO planted under a block name would
 * otherwise wait for a writer forever. Regular files read the same either way.
 */
const READ_FLAGS = fsConstants.O_RDONLY | (fsConstants.O_NONBLOCK ?? 0);

/** Stands in for a file that vanished before it could be looked at. */
const REGULAR = { size: 0, isFile: () => true };

/**
 * Reads a whole block file into a buffer of its own (the caller owns the whole
 * ArrayBuffer: it may transfer it to a worker). The size is checked on the open file
 * before anything is read, so a planted file of gigabytes costs one fstat, not its size
 * in memory; bytes appended after the check are not read (the hash check catches them).
 */
async function readBlockFile(file: string, hash: Uint8Array): Promise<Uint8Array> {
  const fh = await fs.open(file, READ_FLAGS);
  try {
    const st = await fh.stat();
    checkBlockStat(hash, st);
    const size = st.size;
    const out = new Uint8Array(size);
    let filled = 0;
    while (filled < size) {
      const { bytesRead } = await fh.read(out, filled, size - filled, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    return filled === size ? out : out.subarray(0, filled);
  } finally {
    await fh.close();
  }
}

/** {@link FsBlockStore.readPooled} with synchronous calls (the `syncReads` option). */
function readPooledSync(file: string, pool: BlockBufferPool): Uint8Array | null {
  const fd = openSync(file, READ_FLAGS);
  const buf = pool.take();
  try {
    return fitOrRelease(buf, readSync(fd, buf, 0, buf.length, 0), pool);
  } finally {
    closeSync(fd);
  }
}

/** The bytes read, or null (buffer given back) when the file filled the whole buffer. */
function fitOrRelease(
  buf: Uint8Array,
  bytesRead: number,
  pool: BlockBufferPool,
): Uint8Array | null {
  if (bytesRead < buf.length) return buf.subarray(0, bytesRead);
  pool.release(buf);
  return null;
}
