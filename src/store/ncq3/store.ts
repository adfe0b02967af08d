/**
 * hbs2's NCQ3 store (spec ncq3-storage §14): blocks and refs of `<prefix>/ncq3/0`, as
 * hbs2-peer would serve them after its next start.
 *
 * Opening for reading loads the newest valid state, opens no index file yet, and scans
 * only the pending data files (the ones hbs2 has not indexed; normally the one its last
 * session left), cut where hbs2 would cut a torn tail. A lookup then tries the pending
 * layer, then each index file newest first; the first hit is final (§9.1). A reader takes
 * no lock and sees what was durable when it opened.
 *
 * Opening for writing takes hbs2's lock and starts an {@link NcqWriter} session: new
 * sections join the pending layer as they are appended (hbs2's memtable), `flush` makes
 * them durable, `close` indexes them and releases the lock.
 */
import * as path from 'node:path';
import { IntegrityError, UsageError } from '../../errors.js';
import type { BlockStore } from '../blockstore.js';
import { equalBytes, hashBlock, hashToString, verifyBlock } from '../hash.js';
import type { RefUpdate } from '../../refs/ref-store.js';
import type { StoredRef } from '../../refs/list-simple-refs.js';
import { FileSource } from './byte-source.js';
import { pendingExtent, scanSections, type PendingExtent } from './data-file.js';
import { IndexFile } from './index-file.js';
import type { SectionLocation } from './location.js';
import {
  HEADER_LENGTH,
  KEY_LENGTH,
  REF_PAYLOAD_LENGTH,
  SIZE_FIELD,
  TOMBSTONE_LENGTH,
  bytesEqualAt,
  readU32,
  saltedRefKey,
  sectionKind,
  type SectionKind,
} from './section.js';
import { dataFileName, indexFileName, loadState, type NcqState } from './state.js';
import { refPayload, type WrittenKind } from './encode.js';
import { NcqWriter, workdirOf } from './writer.js';

/** A pending data file and what hbs2 would index of it. */
export interface PendingFile extends PendingExtent {
  /** The data file's key. */
  dataKey: bigint;
}

const hexKey = (key: Uint8Array) =>
  Buffer.from(key.buffer, key.byteOffset, key.length).toString('hex');

/** Blocks and refs of an NCQ3 store. */
export class NcqBlockStore implements BlockStore {
  /** The hbs2 storage prefix (the directory holding `ncq3/`). */
  readonly prefix: string;
  /** `<prefix>/ncq3/0`, where every NCQ3 file lives. */
  readonly workdir: string;
  private readonly dataFiles = new Map<bigint, Promise<FileSource | null>>();
  private readonly indexFiles = new Map<bigint, Promise<IndexFile | null>>();
  /** Ref writers of this process, one after another (the lock excludes other processes). */
  private refQueue: Promise<unknown> = Promise.resolve();

  private constructor(
    prefix: string,
    /** The state loaded at open (the newest valid one). */
    readonly state: NcqState,
    /** The state file it came from; null when the store had no valid state. */
    readonly stateFile: string | null,
    /** Pending data files, ascending by key, with the prefix of each that is read. */
    readonly pending: readonly PendingFile[],
    private readonly pendingLayer: Map<string, SectionLocation>,
    /** The writing session, when opened for writing. */
    private readonly writer: NcqWriter | null = null,
  ) {
    this.prefix = prefix;
    this.workdir = workdirOf(prefix);
  }

  /**
   * Opens the NCQ3 store of the hbs2 prefix `prefix` (its files are in
   * `<prefix>/ncq3/0`). A pending file the state lists but that is missing is an
   * IntegrityError (hbs2-peer fails to open such a store too).
   */
  static async open(prefix: string, opts: { write?: boolean } = {}): Promise<NcqBlockStore> {
    const absolute = path.resolve(prefix);
    if (opts.write) {
      // The session indexed every pending file it could: nothing is left to scan.
      const writer = await NcqWriter.open(absolute);
      return new NcqBlockStore(absolute, writer.state, null, [], new Map(), writer);
    }
    const workdir = workdirOf(absolute);
    const { state, file } = await loadState(workdir);
    const pending: PendingFile[] = [];
    const layer = new Map<string, SectionLocation>();
    for (const [dataKey, factSize] of state.facts) {
      const name = path.join(workdir, dataFileName(dataKey));
      const source = await FileSource.open(name);
      if (!source)
        throw new IntegrityError(
          `${name}: the store's state lists this pending data file but it is missing`,
          { hint: 'hbs2-peer cannot open this store either' },
        );
      try {
        const extent = await pendingExtent(source, factSize);
        pending.push({ dataKey, ...extent });
        // Later sections override earlier ones, later files earlier files (§14.1 step 3).
        for await (const s of scanSections(source, extent.indexed))
          if (s.kind !== 'tail')
            layer.set(hexKey(s.key), { dataKey, offset: s.offset, length: s.length });
      } finally {
        await source.close();
      }
    }
    return new NcqBlockStore(absolute, state, file, pending, layer);
  }

  /** {@inheritDoc BlockStore.get} */
  async get(hash: Uint8Array): Promise<Uint8Array | null> {
    const block = await this.getUnverified(hash);
    return block && verifyBlock(hash, block);
  }

  /** {@inheritDoc BlockStore.getUnverified} */
  async getUnverified(hash: Uint8Array): Promise<Uint8Array | null> {
    const section = await this.readLocated(hash, false);
    return section?.kind === 'block' ? section.payload : null;
  }

  /** {@inheritDoc BlockStore.has} (the section's framing is checked, its content is not) */
  async has(hash: Uint8Array): Promise<boolean> {
    return (await this.readLocated(hash, true))?.kind === 'block';
  }

  /** A block's size in bytes without reading it; null when absent. */
  async sizeOf(hash: Uint8Array): Promise<number | null> {
    const section = await this.readLocated(hash, true);
    return section?.kind === 'block' ? section.length - HEADER_LENGTH : null;
  }

  /**
   * The value of the ref whose ref key hash is `refKeyHash` (the `k` of spec §6.5, the hash
   * the simple layout names its `refs/` file by), or null when it is absent or deleted.
   */
  async getRef(refKeyHash: Uint8Array): Promise<Uint8Array | null> {
    const section = await this.readLocated(saltedRefKey(refKeyHash), false);
    if (section?.kind !== 'ref' || section.payload.length !== REF_PAYLOAD_LENGTH) return null;
    if (!bytesEqualAt(refKeyHash, section.payload, KEY_LENGTH))
      throw new IntegrityError(
        `ref ${hashToString(refKeyHash)}: its record names another ref key (the store is corrupt)`,
      );
    return section.payload.slice(0, KEY_LENGTH);
  }

  /**
   * Closes the files opened for reading; a writing session is flushed, its data file
   * indexed and the lock released (the store can then only be read).
   */
  async close(): Promise<void> {
    await this.writer?.close();
    const files = [...this.dataFiles.values(), ...this.indexFiles.values()];
    this.dataFiles.clear();
    this.indexFiles.clear();
    for (const f of await Promise.all(files)) await f?.close();
  }

  /** The session, or a UsageError when the store was opened for reading only. */
  private session(): NcqWriter {
    if (!this.writer) throw new UsageError(`${this.prefix}: the NCQ3 store was opened read-only`);
    return this.writer;
  }

  /** Appends a section and makes it the newest layer's entry for `key`. */
  private async append(kind: WrittenKind, key: Uint8Array, payload: Uint8Array): Promise<void> {
    const { location, written } = await this.session().append(kind, key, payload);
    this.pendingLayer.set(hexKey(key), location);
    await written;
  }

  /**
   * {@inheritDoc BlockStore.put}
   * A block already present is not written again (§10.1). An empty block is refused: on
   * disk it cannot be told from a tombstone, so hbs2 would read it as deleted (§6.3).
   */
  async put(block: Uint8Array, hash?: Uint8Array): Promise<Uint8Array> {
    const h = hash ?? hashBlock(block);
    if (block.length === 0)
      throw new UsageError('an empty block cannot be stored in an NCQ3 store', {
        hint: 'hbs2 reads a 0-byte block section as a tombstone',
      });
    this.session();
    if (!(await this.has(h))) await this.append('block', h, block);
    return h;
  }

  /** {@inheritDoc BlockStore.del} (a tombstone, §11) */
  async del(hash: Uint8Array): Promise<boolean> {
    this.session();
    if (!(await this.has(hash))) return false;
    await this.append('tombstone', hash, new Uint8Array(0));
    return true;
  }

  /** {@inheritDoc BlockStore.flush} (a tail record, fsync, a state recording it) */
  async flush(): Promise<void> {
    await this.writer?.flush();
  }

  /** {@inheritDoc BlockStore.hashes} */
  async *hashes(): AsyncIterable<Uint8Array> {
    for await (const { key, at } of this.liveEntries()) {
      const section = await this.readAt(key, at, true);
      if (section?.kind === 'block') yield key;
    }
  }

  /** Every ref with its value (from the `R` records that are current). */
  async *listRefs(): AsyncIterable<StoredRef> {
    for await (const { key, at } of this.liveEntries()) {
      const section = await this.readAt(key, at, true);
      if (section?.kind !== 'ref') continue;
      const refKey = this.refKeyOf(key, (await this.readAt(key, at, false))!.payload);
      if (refKey) yield refKey;
    }
  }

  /**
   * {@inheritDoc RefStore.updateRef}
   * The new value is written as an `R` record and made durable before this resolves.
   */
  async updateRef(refKeyHash: Uint8Array, decide: RefUpdate): Promise<Uint8Array | null> {
    this.session();
    return this.serialised(async () => {
      const current = await this.getRef(refKeyHash);
      const next = await decide(current);
      if (next === null || (current !== null && equalBytes(next, current))) return current;
      await this.append('ref', saltedRefKey(refKeyHash), refPayload(next, refKeyHash));
      await this.flush();
      return next;
    });
  }

  /** {@inheritDoc RefStore.delRef} (a tombstone on the salted key, §6.5) */
  async delRef(refKeyHash: Uint8Array): Promise<boolean> {
    this.session();
    return this.serialised(async () => {
      if ((await this.getRef(refKeyHash)) === null) return false;
      await this.append('tombstone', saltedRefKey(refKeyHash), new Uint8Array(0));
      await this.flush();
      return true;
    });
  }

  /** Runs `fn` after every ref writer started before it. */
  private serialised<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.refQueue.then(fn, fn);
    this.refQueue = run.catch(() => undefined);
    return run;
  }

  /**
   * Every key with its current location, each once: the pending layer, then each index
   * newest first (the order lookups take, so the first location of a key is its current).
   */
  private async *liveEntries(): AsyncIterable<{ key: Uint8Array; at: SectionLocation }> {
    const seen = new Set<string>();
    for (const [k, at] of [...this.pendingLayer]) {
      seen.add(k);
      yield { key: Uint8Array.from(Buffer.from(k, 'hex')), at };
    }
    for (const { key: indexKey } of [...this.state.indexes]) {
      const index = await this.indexFile(indexKey);
      for (const e of (await index?.entries()) ?? []) {
        const k = hexKey(e.key);
        if (seen.has(k)) continue;
        seen.add(k);
        yield { key: e.key, at: e };
      }
    }
  }

  /** The ref key and value of an `R` payload stored under `salted`; null when malformed. */
  private refKeyOf(salted: Uint8Array, payload: Uint8Array): StoredRef | null {
    if (payload.length !== REF_PAYLOAD_LENGTH) return null;
    const key = payload.slice(KEY_LENGTH);
    if (!equalBytes(saltedRefKey(key), salted))
      throw new IntegrityError(
        `ref record ${hashToString(salted)} names ref key ${hashToString(key)}, which is not salted to it (the store is corrupt)`,
      );
    return { key, value: payload.slice(0, KEY_LENGTH) };
  }

  private indexFile(indexKey: bigint): Promise<IndexFile | null> {
    return cached(this.indexFiles, indexKey, () =>
      IndexFile.open(path.join(this.workdir, indexFileName(indexKey))),
    );
  }

  /** The newest location of `key`: the pending layer, then the indexes newest first. */
  private async locate(key: Uint8Array): Promise<SectionLocation | null> {
    const pending = this.pendingLayer.get(hexKey(key));
    if (pending) return pending;
    for (const { key: indexKey } of this.state.indexes) {
      // An index swept after the state was read (hbs2 running) holds nothing we can read.
      const hit = await (await this.indexFile(indexKey))?.lookup(key);
      if (hit) return hit;
    }
    return null;
  }

  /** Reads the section located for `key` (only its header with `headerOnly`). */
  private async readLocated(
    key: Uint8Array,
    headerOnly: boolean,
  ): Promise<{ kind: SectionKind; length: number; payload: Uint8Array } | null> {
    const at = await this.locate(key);
    return at && this.readAt(key, at, headerOnly);
  }

  /**
   * Reads the section at `at`, which an entry names for `key`. Null for a tombstone-sized
   * entry, a missing data file or a range past its end, as hbs2 reads them (§9.2); a
   * section whose size field or key does not match the entry is corruption.
   */
  private async readAt(
    key: Uint8Array,
    at: SectionLocation,
    headerOnly: boolean,
  ): Promise<{ kind: SectionKind; length: number; payload: Uint8Array } | null> {
    if (at.length <= TOMBSTONE_LENGTH) return null;
    const bytes = await this.readSection(key, at, headerOnly ? HEADER_LENGTH : at.length);
    return (
      bytes && {
        kind: sectionKind(bytes, SIZE_FIELD + KEY_LENGTH),
        length: at.length,
        payload: bytes.subarray(HEADER_LENGTH),
      }
    );
  }

  /**
   * The first `length` bytes of the section at `at` (size field and key checked against
   * the entry), or null when its data file is missing or too short.
   */
  async readSection(
    key: Uint8Array,
    at: SectionLocation,
    length = at.length,
  ): Promise<Uint8Array | null> {
    const current = this.writer?.currentFile;
    let bytes: Uint8Array;
    let name: string;
    if (current?.key === at.dataKey) {
      bytes = await current.read(at.offset, length);
      name = current.file;
    } else {
      const file = await cached(this.dataFiles, at.dataKey, () =>
        FileSource.open(path.join(this.workdir, dataFileName(at.dataKey))),
      );
      if (!file || at.offset + at.length > file.size) return null;
      bytes = await file.read(at.offset, length);
      name = file.file;
    }
    if (
      bytes.length < Math.min(length, HEADER_LENGTH) ||
      readU32(bytes, 0) !== at.length - SIZE_FIELD ||
      !bytesEqualAt(key, bytes, SIZE_FIELD)
    )
      throw new IntegrityError(
        `${name}: the section at offset ${at.offset} is not the ${at.length}-byte record of ${hashToString(key)} its index names (the store is corrupt)`,
      );
    return bytes;
  }

  /** Every key's current location (for compaction: what must survive a rewrite). */
  async currentLocations(): Promise<{ key: Uint8Array; at: SectionLocation }[]> {
    const out: { key: Uint8Array; at: SectionLocation }[] = [];
    for await (const e of this.liveEntries()) out.push(e);
    return out;
  }

  /**
   * Forgets the session's own layer once everything in it is indexed (compaction moves
   * sections, so the layer's locations would point into deleted files), and the files
   * opened for reading.
   */
  async indexedEverything(): Promise<void> {
    this.pendingLayer.clear();
    const files = [...this.dataFiles.values(), ...this.indexFiles.values()];
    this.dataFiles.clear();
    this.indexFiles.clear();
    for (const f of await Promise.all(files)) await f?.close();
  }

  /** The writing session (for compaction); a UsageError when opened read-only. */
  get writingSession(): NcqWriter {
    return this.session();
  }
}

/** The promise cached under `key`, created by `open` on first use. */
function cached<T>(
  cache: Map<bigint, Promise<T>>,
  key: bigint,
  open: () => Promise<T>,
): Promise<T> {
  let p = cache.get(key);
  if (!p) {
    p = open();
    cache.set(key, p);
  }
  return p;
}
