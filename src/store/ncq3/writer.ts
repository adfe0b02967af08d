/**
 * A writing session on an NCQ3 store (spec ncq3-storage §14.2, §14.3): under hbs2's lock,
 * new sections go into a new data file; each {@link NcqWriter.flush} ends them with a tail
 * record, fsyncs, and records the file as pending (`fp K size`) in a new state file; at
 * {@link NcqWriter.close} the file is indexed (`i`, `f`), so the next open need not scan
 * it, and when indexes pile up they are merged into one (as hbs2's compaction does).
 *
 * Pending files left by hbs2 are indexed when the session starts, as hbs2 does at its
 * own start (§8.5 step 5): hbs2 indexes pending files as its newest layer, so leaving them
 * pending under files we index would let their older values win over ours later.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { FormatError } from '../../errors.js';
import { fileError, mkdirError } from '../../fsutil.js';
import { FileSource } from './byte-source.js';
import { pendingExtent, scanSections } from './data-file.js';
import { DataFileWriter } from './data-writer.js';
import { sectionHeader, type WrittenKind } from './encode.js';
import { IndexFile } from './index-file.js';
import { buildIndex, type IndexEntry } from './index-writer.js';
import { writeFileDurably } from './durable-file.js';
import type { SectionLocation } from './location.js';
import { lockStore, type HeldLock } from './lock.js';
import {
  dataFileName,
  emptyState,
  indexFileName,
  loadState,
  parseFileKey,
  unlistedFiles,
  type NcqState,
} from './state.js';
import { writeState } from './state-writer.js';

/** hbs2 closes a data file once this many section bytes are in it (§10.2). */
export const ROTATE_AT = 512 * 1024 * 1024;
/** More indexes than this are merged into one when a session closes. */
export const MERGE_INDEXES_OVER = 8;

const hexKey = (key: Uint8Array) =>
  Buffer.from(key.buffer, key.byteOffset, key.length).toString('hex');

/** The workdir of the NCQ3 store of the hbs2 prefix `prefix`. */
export function workdirOf(prefix: string): string {
  return path.join(prefix, 'ncq3', '0');
}

/** A section appended by {@link NcqWriter.append}. */
export interface Appended {
  location: SectionLocation;
  /** Resolves when the batch holding it is handed to the file (not yet durable). */
  written: Promise<void>;
}

/** One writing session; at most one per store at a time (the lock). */
export class NcqWriter {
  private current: DataFileWriter | null = null;
  /** Entries of the current data file, the last section of a key winning (§7.6). */
  private currentEntries = new Map<string, IndexEntry>();
  private closed = false;
  /** The creation (or rotation) of the data file in progress. */
  private opening: Promise<DataFileWriter> | null = null;

  /** The start of the session (lock, state), once. */
  private starting: Promise<void> | null = null;

  private constructor(
    readonly workdir: string,
    /** Held once the session started; null for a store not created yet. */
    private lock: HeldLock | null,
    /** The state as this session will next write it (shared with the reader). */
    readonly state: NcqState,
    private nextKey: bigint,
  ) {}

  /**
   * Takes the lock, loads the state and indexes hbs2's pending files. A store that does
   * not exist yet is created by its first write, so a command that fails before writing
   * leaves nothing behind. A store whose files no valid state lists is refused: writing an
   * empty state over it would make hbs2 delete them (§14.3 step 2).
   */
  static async open(prefix: string): Promise<NcqWriter> {
    const workdir = workdirOf(prefix);
    const writer = new NcqWriter(workdir, null, emptyState(), 0n);
    const exists = await fs.stat(workdir).then(
      () => true,
      () => false,
    );
    if (exists) await writer.started();
    return writer;
  }

  /** Creates the store's directories and config if needed, then takes the lock and loads the state. */
  private started(): Promise<void> {
    this.starting ??= this.start();
    return this.starting;
  }

  private async start(): Promise<void> {
    const workdir = this.workdir;
    try {
      await fs.mkdir(workdir, { recursive: true });
    } catch (e) {
      throw await mkdirError(e, workdir); // the real reason (EROFS, EACCES), not ENOENT
    }
    try {
      await (await fs.open(path.join(path.dirname(workdir), 'config'), 'a')).close();
    } catch (e) {
      throw fileError(e, workdir);
    }
    const lock = await lockStore(path.join(workdir, '.lock'));
    try {
      const { state, file } = await loadState(workdir);
      const names = await fs.readdir(workdir);
      const keyed = names.filter((n) => /^[fis]-[0-9a-f]{16}(\.data|\.cq)?$/.test(n));
      // Data files alone, with no state or index file at all, are what a writer killed
      // before its first state leaves (unacknowledged; hbs2 sweeps them): not a lost state.
      if (file === null && keyed.some((n) => n.startsWith('s-') || n.startsWith('i-')))
        throw new FormatError(
          `${workdir}: no valid state file lists the store's data and index files; not writing over them`,
          { hint: 'hbs2-peer would delete them; restore a state file (s-*) first' },
        );
      let next = state.next;
      for (const n of keyed) {
        const k = parseFileKey(n) + 1n;
        if (k > next) next = k;
      }
      // The reader shares this state object: it is filled in, not replaced.
      Object.assign(this.state, state);
      this.nextKey = next;
      this.lock = lock;
      await this.indexPendingFacts();
    } catch (e) {
      this.lock = null;
      await lock.release();
      throw e;
    }
  }

  /** A new file key: above every file in the workdir and every key used before (§3.2). */
  private allocateKey(): bigint {
    const k = this.nextKey++;
    this.state.next = this.nextKey;
    return k;
  }

  /** The data file being written, if any (reads of its sections go through it). */
  get currentFile(): DataFileWriter | null {
    return this.current;
  }

  /**
   * Appends a section (`payload` is copied). Rotates to a new data file when the current
   * one is full (§10.2).
   */
  async append(kind: WrittenKind, key: Uint8Array, payload: Uint8Array): Promise<Appended> {
    return this.appendParts(key, [sectionHeader(kind, key, payload.length), payload]);
  }

  /** Appends a whole section read from another data file (compaction copies them). */
  async appendSection(key: Uint8Array, section: Uint8Array): Promise<Appended> {
    return this.appendParts(key, [section]);
  }

  private async appendParts(key: Uint8Array, parts: Uint8Array[]): Promise<Appended> {
    if (this.closed) throw new Error('NCQ3 writer used after close');
    const file = await this.fileFor();
    const { offset, written } = file.append(parts);
    const length = parts.reduce((n, p) => n + p.length, 0);
    const location = { dataKey: file.key, offset, length };
    this.currentEntries.set(hexKey(key), { key: key.slice(), ...location });
    return { location, written };
  }

  /**
   * The data file the next section goes to: the current one, or a new one when there is
   * none or it is full. Concurrent appends share one creation (and one rotation).
   */
  private fileFor(): Promise<DataFileWriter> {
    if (this.current && this.current.sectionBytes < ROTATE_AT) return Promise.resolve(this.current);
    this.opening ??= (async () => {
      try {
        await this.started();
        if (this.current) await this.closeCurrent();
        this.current = await DataFileWriter.create(this.workdir, this.allocateKey());
        return this.current;
      } finally {
        this.opening = null;
      }
    })();
    return this.opening;
  }

  /**
   * Makes every section appended so far durable: the data file ends with a tail record
   * and is fsynced, and a new state records it as pending with its length (§14.2).
   */
  async flush(): Promise<void> {
    const file = this.current;
    if (!file?.dirty) return;
    this.state.facts.set(file.key, await file.sync());
    await writeState(this.workdir, this.allocateKey(), this.state);
  }

  /**
   * Flushes, indexes the data file of this session, merges the indexes when there are
   * more than {@link MERGE_INDEXES_OVER}, and releases the lock.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    try {
      await this.closeCurrent();
      if (this.state.indexes.length > MERGE_INDEXES_OVER) await this.mergeIndexes();
    } finally {
      this.closed = true;
      await this.current?.close();
      await this.lock?.release();
    }
  }

  /** Syncs the current data file, indexes it, and records it as indexed. */
  async closeCurrent(): Promise<void> {
    const file = this.current;
    if (!file) return;
    await this.flush();
    await file.close();
    this.current = null;
    const entries = [...this.currentEntries.values()];
    this.currentEntries = new Map();
    await this.addIndex(entries, [file.key]);
  }

  /**
   * Writes an index of `entries` as the newest index, and a state listing `dataKeys` as
   * indexed data files (no longer pending).
   */
  private async addIndex(entries: IndexEntry[], dataKeys: bigint[]): Promise<void> {
    const key = this.allocateKey();
    await writeFileDurably(this.workdir, indexFileName(key), buildIndex(entries));
    this.state.indexes.unshift({ key, ts: this.newestTimestamp() });
    for (const k of dataKeys) {
      this.state.facts.delete(k);
      this.state.files.add(k);
    }
    await writeState(this.workdir, this.allocateKey(), this.state);
  }

  /** Now in Unix seconds, but never older than an existing index (the new one must win). */
  private newestTimestamp(): bigint {
    let ts = BigInt(Math.floor(Date.now() / 1000));
    for (const i of this.state.indexes) if (i.ts > ts) ts = i.ts;
    return ts;
  }

  /**
   * Indexes the pending files hbs2 left (§8.5 step 5): a torn tail is cut where hbs2
   * cuts it, a file that fails the check even then stays pending (hbs2 never reads it).
   */
  private async indexPendingFacts(): Promise<void> {
    const merged = new Map<string, IndexEntry>();
    const indexed: bigint[] = [];
    for (const [dataKey, factSize] of this.state.facts) {
      const file = path.join(this.workdir, dataFileName(dataKey));
      const source = await FileSource.open(file);
      if (!source) continue; // loadState's reader reports it; hbs2 dies on it
      try {
        const extent = await pendingExtent(source, factSize);
        if (extent.indexed === 0) continue;
        for await (const s of scanSections(source, extent.indexed))
          if (s.kind !== 'tail')
            merged.set(hexKey(s.key), { key: s.key, dataKey, offset: s.offset, length: s.length });
        if (extent.trimmedTo !== extent.fileLength) await fs.truncate(file, extent.trimmedTo);
        indexed.push(dataKey);
      } finally {
        await source.close();
      }
    }
    if (indexed.length > 0) await this.addIndex([...merged.values()], indexed);
  }

  /**
   * Deletes what hbs2's sweeper would (§12.4): data and index files no state lists (a
   * killed writer's) and temp files of interrupted index and state writes. Returns their
   * names.
   */
  async sweep(): Promise<string[]> {
    const gone = await unlistedFiles(this.workdir, this.state);
    for (const n of gone) await fs.unlink(path.join(this.workdir, n)).catch(() => undefined);
    return gone;
  }

  /**
   * Removes indexed data files from the state (a new state is written first), then
   * deletes them. Only for files no current entry points into (compaction moved them).
   */
  async dropDataFiles(keys: readonly bigint[]): Promise<void> {
    if (keys.length === 0) return;
    for (const k of keys) this.state.files.delete(k);
    await writeState(this.workdir, this.allocateKey(), this.state);
    for (const k of keys)
      await fs.unlink(path.join(this.workdir, dataFileName(k))).catch(() => undefined);
  }

  /**
   * Merges every index into one (§12.1 applied until one is left): a key's entry is the
   * one of the newest index holding it, so lookups find what they found before. The old
   * index files are deleted once the new state no longer lists them.
   */
  async mergeIndexes(): Promise<void> {
    const old = this.state.indexes.map((i) => i.key);
    const entries = new Map<string, IndexEntry>();
    for (const key of old) {
      const index = await IndexFile.open(path.join(this.workdir, indexFileName(key)));
      if (!index) continue;
      try {
        for (const e of await index.entries()) {
          const k = hexKey(e.key);
          if (!entries.has(k)) entries.set(k, e);
        }
      } finally {
        await index.close();
      }
    }
    const ts = this.newestTimestamp();
    const key = this.allocateKey();
    await writeFileDurably(this.workdir, indexFileName(key), buildIndex([...entries.values()]));
    this.state.indexes.splice(0, this.state.indexes.length, { key, ts });
    await writeState(this.workdir, this.allocateKey(), this.state);
    for (const k of old)
      await fs.unlink(path.join(this.workdir, indexFileName(k))).catch(() => undefined);
  }
}
