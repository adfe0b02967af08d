/**
 * Appending to a new NCQ3 data file (spec ncq3-storage §10.2, §14.2 steps 2–4): the file
 * is created (it must not exist), sections are appended in order, and {@link sync} ends
 * what was written with a tail record and fsyncs it, so the file's last 8 bytes always
 * give its length at a sync point. Appends are gathered in memory and written a few MiB
 * at a time; offsets are assigned at once, in call order.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { fileError, fsyncDir } from '../../fsutil.js';
import { writeAll } from './durable-file.js';
import { tailRecord } from './encode.js';
import { dataFileName } from './state.js';

/** Bytes gathered before they are written to the file. */
const WRITE_BATCH = 4 * 1024 * 1024;

/** Written batch buffers kept for reuse (writes queued beyond them allocate). */
const MAX_SPARE_BATCHES = 2;

/** One data file being written by this process. */
export class DataFileWriter {
  /** Bytes appended so far (written or gathered). */
  private appended = 0;
  /** Bytes handed to the file (the rest are in `batch`). */
  private written = 0;
  /** Appended bytes not yet handed to the file, copied into one buffer. */
  private batch: Uint8Array = new Uint8Array(WRITE_BATCH);
  private batchUsed = 0;
  /**
   * Batch buffers written out, for reuse: a fresh 4 MiB buffer per batch cost half a
   * second per 256 MiB in page faults (the allocator gives big buffers back to the system).
   */
  private readonly spareBatches: Uint8Array[] = [];
  /** The write in progress; writes run one after another. */
  private writing: Promise<void> = Promise.resolve();
  /** Section bytes appended (tail records not counted), for rotation (§10.2). */
  sectionBytes = 0;
  /** The length at the last sync: what a crash keeps. */
  durableLength = 0;
  private synced = false;

  private constructor(
    readonly key: bigint,
    readonly file: string,
    private readonly handle: fs.FileHandle,
  ) {}

  /** Creates `f-<key>.data` in `workdir` (it must not exist). */
  static async create(workdir: string, key: bigint): Promise<DataFileWriter> {
    const file = path.join(workdir, dataFileName(key));
    try {
      return new DataFileWriter(key, file, await fs.open(file, 'wx+', 0o644));
    } catch (e) {
      throw fileError(e, file);
    }
  }

  /** The file's length once everything appended is written. */
  get length(): number {
    return this.appended;
  }

  /** True when sections were appended since the last sync. */
  get dirty(): boolean {
    return this.appended > this.durableLength;
  }

  /**
   * Appends one section (its parts are copied: callers may reuse them). The offset is
   * assigned at once; `written` resolves once a full batch is handed to the file, so a
   * fast producer that awaits it waits for the disk instead of filling memory.
   */
  append(parts: readonly Uint8Array[]): { offset: number; written: Promise<void> } {
    const offset = this.appended;
    let written: Promise<void> = Promise.resolve();
    for (const p of parts) {
      written = this.gather(p) ?? written;
      this.sectionBytes += p.length;
    }
    return { offset, written };
  }

  /**
   * Copies `bytes` into the batch, handing each batch that fills up to the file (copying
   * into one buffer: a copy per part cost more than the disk, profiling `store`). Returns
   * the last such write, if any.
   */
  private gather(bytes: Uint8Array): Promise<void> | undefined {
    let full: Promise<void> | undefined;
    for (let from = 0; from < bytes.length;) {
      const n = Math.min(bytes.length - from, this.batch.length - this.batchUsed);
      this.batch.set(bytes.subarray(from, from + n), this.batchUsed);
      this.batchUsed += n;
      from += n;
      if (this.batchUsed === this.batch.length) full = this.writeGathered();
    }
    this.appended += bytes.length;
    return full;
  }

  /** Hands every gathered byte to the file (not synced). */
  private writeGathered(): Promise<void> {
    if (this.batchUsed === 0) return this.writing;
    const full = this.batch;
    const part = full.subarray(0, this.batchUsed);
    const position = this.written;
    this.written += this.batchUsed;
    this.batch = this.spareBatches.pop() ?? new Uint8Array(WRITE_BATCH);
    this.batchUsed = 0;
    this.writing = this.writing.then(async () => {
      try {
        await writeAll(this.handle, [part], position);
      } catch (e) {
        throw fileError(e, this.file);
      }
      if (this.spareBatches.length < MAX_SPARE_BATCHES) this.spareBatches.push(full);
    });
    return this.writing;
  }

  /** Reads `[offset, offset + length)` of what was appended (written first if needed). */
  async read(offset: number, length: number): Promise<Uint8Array> {
    if (offset + length > this.written) await this.writeGathered();
    await this.writing;
    const out = new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const { bytesRead } = await this.handle.read(out, done, length - done, offset + done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    return out.subarray(0, done);
  }

  /**
   * Makes everything appended durable: a tail record after it, fsync, and (the first
   * time) an fsync of the directory, so the file's name is durable too. Returns the
   * durable length. Nothing to do when nothing was appended since the last sync.
   */
  async sync(): Promise<number> {
    if (!this.dirty) return this.durableLength;
    this.gather(tailRecord(this.appended));
    const length = this.appended;
    await this.writeGathered();
    try {
      await this.handle.sync();
    } catch (e) {
      throw fileError(e, this.file);
    }
    if (!this.synced) await fsyncDir(path.dirname(this.file));
    this.synced = true;
    this.durableLength = length;
    return length;
  }

  /** Closes the file (what was not synced may be lost). */
  async close(): Promise<void> {
    await this.writing.catch(() => undefined);
    await this.handle.close();
  }
}
