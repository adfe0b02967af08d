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

/** One data file being written by this process. */
export class DataFileWriter {
  /** Bytes appended so far (written or gathered). */
  private appended = 0;
  /** Bytes handed to the file (the rest are in `gathered`). */
  private written = 0;
  private gathered: Uint8Array[] = [];
  private gatheredBytes = 0;
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
    for (const p of parts) {
      this.gathered.push(p.slice());
      this.gatheredBytes += p.length;
      this.appended += p.length;
      this.sectionBytes += p.length;
    }
    const written = this.gatheredBytes >= WRITE_BATCH ? this.writeGathered() : Promise.resolve();
    return { offset, written };
  }

  /** Hands every gathered byte to the file (not synced). */
  private writeGathered(): Promise<void> {
    const parts = this.gathered;
    const position = this.written;
    this.written += this.gatheredBytes;
    this.gathered = [];
    this.gatheredBytes = 0;
    this.writing = this.writing.then(() =>
      writeAll(this.handle, parts, position).catch((e: unknown) => {
        throw fileError(e, this.file);
      }),
    );
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
    const tail = tailRecord(this.appended);
    this.gathered.push(tail);
    this.gatheredBytes += tail.length;
    this.appended += tail.length;
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
