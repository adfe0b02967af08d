/**
 * The read side of hbs2's NCQ3 store (spec ncq3-storage §14.1): blocks and refs of
 * `<prefix>/ncq3/0`, as hbs2-peer would serve them after its next start.
 *
 * Opening loads the newest valid state, opens no index file yet, and scans only the
 * pending data files (the ones hbs2 has not indexed; normally the one its last session
 * left), cut where hbs2 would cut a torn tail. A lookup then tries the pending layer, then
 * each index file newest first; the first hit is final (§9.1). Nothing is written and no
 * lock is taken: a reader sees what was durable when it opened.
 */
import * as path from 'node:path';
import { IntegrityError } from '../../errors.js';
import type { BlockStore } from '../blockstore.js';
import { hashToString, verifyBlock } from '../hash.js';
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

/** A pending data file and what hbs2 would index of it. */
export interface PendingFile extends PendingExtent {
  /** The data file's key. */
  dataKey: bigint;
}

const hexKey = (key: Uint8Array) =>
  Buffer.from(key.buffer, key.byteOffset, key.length).toString('hex');

/** Blocks and refs of an NCQ3 store, read-only. */
export class NcqBlockStore implements Pick<BlockStore, 'get' | 'getUnverified' | 'has'> {
  /** The hbs2 storage prefix (the directory holding `ncq3/`). */
  readonly prefix: string;
  /** `<prefix>/ncq3/0`, where every NCQ3 file lives. */
  readonly workdir: string;
  private readonly dataFiles = new Map<bigint, Promise<FileSource | null>>();
  private readonly indexFiles = new Map<bigint, Promise<IndexFile | null>>();

  private constructor(
    prefix: string,
    /** The state loaded at open (the newest valid one). */
    readonly state: NcqState,
    /** The state file it came from; null when the store had no valid state. */
    readonly stateFile: string | null,
    /** Pending data files, ascending by key, with the prefix of each that is read. */
    readonly pending: readonly PendingFile[],
    private readonly pendingLayer: Map<string, SectionLocation>,
  ) {
    this.prefix = prefix;
    this.workdir = workdirOf(prefix);
  }

  /**
   * Opens the NCQ3 store of the hbs2 prefix `prefix` (its files are in
   * `<prefix>/ncq3/0`). A pending file the state lists but that is missing is an
   * IntegrityError (hbs2-peer fails to open such a store too).
   */
  static async open(prefix: string): Promise<NcqBlockStore> {
    const absolute = path.resolve(prefix);
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

  /** Closes the files opened for reading (the store can still be used; it reopens them). */
  async close(): Promise<void> {
    const files = [...this.dataFiles.values(), ...this.indexFiles.values()];
    this.dataFiles.clear();
    this.indexFiles.clear();
    for (const f of await Promise.all(files)) await f?.close();
  }

  /** The newest location of `key`: the pending layer, then the indexes newest first. */
  private async locate(key: Uint8Array): Promise<SectionLocation | null> {
    const pending = this.pendingLayer.get(hexKey(key));
    if (pending) return pending;
    for (const { key: indexKey } of this.state.indexes) {
      const index = await cached(this.indexFiles, indexKey, () =>
        IndexFile.open(path.join(this.workdir, indexFileName(indexKey))),
      );
      // An index swept after the state was read (hbs2 running) holds nothing we can read.
      const hit = await index?.lookup(key);
      if (hit) return hit;
    }
    return null;
  }

  /**
   * Reads the section located for `key` (only its header with `headerOnly`). Null for a
   * tombstone-sized entry, a missing data file or a range past its end, as hbs2 reads them
   * (§9.2); a section whose size field or key does not match the entry is corruption.
   */
  private async readLocated(
    key: Uint8Array,
    headerOnly: boolean,
  ): Promise<{ kind: SectionKind; length: number; payload: Uint8Array } | null> {
    const at = await this.locate(key);
    if (!at || at.length <= TOMBSTONE_LENGTH) return null;
    const file = await cached(this.dataFiles, at.dataKey, () =>
      FileSource.open(path.join(this.workdir, dataFileName(at.dataKey))),
    );
    if (!file || at.offset + at.length > file.size) return null;
    const bytes = await file.read(at.offset, headerOnly ? HEADER_LENGTH : at.length);
    if (
      bytes.length < HEADER_LENGTH ||
      readU32(bytes, 0) !== at.length - SIZE_FIELD ||
      !bytesEqualAt(key, bytes, SIZE_FIELD)
    )
      throw new IntegrityError(
        `${file.file}: the section at offset ${at.offset} is not the ${at.length}-byte record of ${hashToString(key)} its index names (the store is corrupt)`,
      );
    return {
      kind: sectionKind(bytes, SIZE_FIELD + KEY_LENGTH),
      length: at.length,
      payload: bytes.subarray(HEADER_LENGTH),
    };
  }
}

function workdirOf(prefix: string): string {
  return path.join(prefix, 'ncq3', '0');
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
