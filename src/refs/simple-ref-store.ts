/**
 * Refs in hbs2's simple-storage layout (spec refs-and-lwwref §3, blocks-trees-storage
 * §6.1): ref `k` lives at `<prefix>/refs/<B58(k)[0]>/<B58(k)[1..]>` and holds the base58
 * text of its value, with no newline, so hbs2 0.24 and this toolkit share one `refs/`.
 *
 * Beyond hbs2 (docs/formats.md "Refs in the simple layout"): writes are temp file, fsync,
 * rename, directory fsync (hbs2 does not fsync); and writers take the lock file
 * `<prefix>/.hbs2-refs.lock` around each read-compare-write, so two writers racing on one
 * ref cannot lose the newer value. hbs2 itself neither takes nor needs that lock (its peer
 * is the only writer of its store).
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { FormatError, NotFoundError } from '../errors.js';
import { fileError, fsyncDir, readFileChecked, tempPathFor } from '../fsutil.js';
import { equalBytes, hashToString, parseHash } from '../store/hash.js';
import { withLockFile, type LockFileOptions } from './lock-file.js';
import type { RefStore, RefUpdate } from './ref-store.js';

/** Name of the writers' lock file in the store's root directory. */
export const REFS_LOCK_NAME = '.hbs2-refs.lock';

/** Longest ref file read; a value is 43 or 44 base58 characters. */
const MAX_REF_FILE_BYTES = 1024;

/** Options of {@link SimpleRefStore}. */
export interface SimpleRefStoreOptions {
  /** How long a writer waits for another one (see {@link LockFileOptions}). */
  lock?: LockFileOptions;
}

function errnoCode(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException | undefined)?.code;
}

/** Refs as files under `<prefix>/refs/`. */
export class SimpleRefStore implements RefStore {
  /** The store's absolute root directory. */
  readonly prefix: string;
  /** `<prefix>/refs`. */
  readonly refsDir: string;
  /** `<prefix>/.hbs2-refs.lock`. */
  readonly lockPath: string;
  private readonly lockOptions: LockFileOptions;

  constructor(prefix: string, opts: SimpleRefStoreOptions = {}) {
    this.prefix = path.resolve(prefix);
    this.refsDir = path.join(this.prefix, 'refs');
    this.lockPath = path.join(this.prefix, REFS_LOCK_NAME);
    this.lockOptions = opts.lock ?? {};
  }

  /** The file ref `key` lives in: `refs/<b58[0]>/<b58[1..]>`. */
  refPath(key: Uint8Array): string {
    const name = hashToString(key);
    return path.join(this.refsDir, name[0]!, name.slice(1));
  }

  /**
   * {@inheritDoc RefStore.getRef}
   * Content that is not the base58 of 32 bytes is a FormatError naming the file (hbs2
   * reads it as absent, which would hide a damaged ref).
   */
  async getRef(key: Uint8Array): Promise<Uint8Array | null> {
    const file = this.refPath(key);
    let text: string;
    try {
      text = (await readFileChecked(file, MAX_REF_FILE_BYTES)).toString('latin1');
    } catch (e) {
      // readFileChecked reports a missing file (or a missing refs/<c>/) as NotFoundError.
      if (e instanceof NotFoundError) return null;
      throw e;
    }
    return parseHash(text, `ref file ${file}`);
  }

  /**
   * {@inheritDoc RefStore.updateRef}
   * A ref file that does not parse is passed to `decide` as absent, as hbs2 reads it, so
   * that writing a new value repairs it.
   */
  async updateRef(key: Uint8Array, decide: RefUpdate): Promise<Uint8Array | null> {
    const file = this.refPath(key);
    try {
      await fs.mkdir(path.dirname(file), { recursive: true });
    } catch (e) {
      throw fileError(e, path.dirname(file));
    }
    return withLockFile(
      this.lockPath,
      async () => {
        const current = await this.getRef(key).catch((e: unknown) => {
          if (e instanceof FormatError) return null;
          throw e;
        });
        const next = await decide(current);
        if (next === null || (current !== null && equalBytes(next, current))) return current;
        await writeFileDurably(file, hashToString(next));
        return next;
      },
      this.lockOptions,
    );
  }

  /** {@inheritDoc RefStore.delRef} */
  async delRef(key: Uint8Array): Promise<boolean> {
    const file = this.refPath(key);
    return withLockFile(
      this.lockPath,
      async () => {
        const removed = await fs.unlink(file).then(
          () => true,
          (e: unknown) => {
            const code = errnoCode(e);
            if (code === 'ENOENT' || code === 'ENOTDIR') return false;
            throw fileError(e, file);
          },
        );
        if (removed) await fsyncDir(path.dirname(file));
        return removed;
      },
      this.lockOptions,
    );
  }
}

/**
 * Replaces `file` with `text` so that a kill at any moment leaves the old content or the
 * new one: temp file beside it, fsync, rename, directory fsync.
 */
async function writeFileDurably(file: string, text: string): Promise<void> {
  const tmp = tempPathFor(file);
  try {
    await fs.writeFile(tmp, text, { flag: 'wx', mode: 0o644, flush: true });
    await fs.rename(tmp, file);
  } catch (e) {
    await fs.unlink(tmp).catch(() => undefined);
    throw fileError(e, file);
  }
  await fsyncDir(path.dirname(file));
}
