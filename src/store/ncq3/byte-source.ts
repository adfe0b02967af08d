/**
 * Positional reads of a file (or of bytes in memory, for tests), and a windowed reader
 * that turns the many small header reads of a scan into few large reads.
 */
import { promises as fs } from 'node:fs';
import { fileError } from '../../fsutil.js';

/** Random access to a byte string of known length. */
export interface ByteSource {
  /** Length in bytes. */
  readonly size: number;
  /**
   * The bytes `[position, position + length)`, shorter only where the source ends.
   * The result may be a view into a buffer the source reuses: copy what must outlive
   * the next read.
   */
  read(position: number, length: number): Promise<Uint8Array>;
}

/** A source over bytes already in memory. */
export function memorySource(bytes: Uint8Array): ByteSource {
  return {
    size: bytes.length,
    read: async (position, length) =>
      bytes.subarray(position, Math.min(bytes.length, position + length)),
  };
}

/** A source over an open file whose length was taken when it was opened. */
export class FileSource implements ByteSource {
  private constructor(
    readonly file: string,
    private readonly handle: fs.FileHandle,
    readonly size: number,
  ) {}

  /** Opens `file` read-only; null when it does not exist. */
  static async open(file: string): Promise<FileSource | null> {
    let handle: fs.FileHandle;
    try {
      handle = await fs.open(file, 'r');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw fileError(e, file);
    }
    try {
      const st = await handle.stat();
      if (!st.isFile()) throw fileError({ code: 'EISDIR' }, file);
      return new FileSource(file, handle, st.size);
    } catch (e) {
      await handle.close();
      throw fileError(e, file);
    }
  }

  /**
   * {@inheritDoc ByteSource.read} (a buffer the caller owns: the start of `into` when it
   * is long enough, else a fresh one)
   */
  async read(position: number, length: number, into?: Uint8Array): Promise<Uint8Array> {
    const n = Math.max(0, Math.min(length, this.size - position));
    const buf = into && into.length >= n ? into.subarray(0, n) : new Uint8Array(n);
    let done = 0;
    try {
      while (done < n) {
        const { bytesRead } = await this.handle.read(buf, done, n - done, position + done);
        // The file shrank under us (a reader holds no lock): what is left is shorter.
        if (bytesRead === 0) return buf.subarray(0, done);
        done += bytesRead;
      }
    } catch (e) {
      throw fileError(e, this.file);
    }
    return buf;
  }

  /** Closes the file. */
  async close(): Promise<void> {
    await this.handle.close();
  }
}

/** Bytes a {@link WindowReader} reads at once. */
const WINDOW = 1024 * 1024;

/** Reads a source through one cached window, for sequential scans of small records. */
export class WindowReader {
  private start = 0;
  private window: Uint8Array = new Uint8Array(0);

  constructor(readonly source: ByteSource) {}

  /** {@inheritDoc ByteSource.read}; valid until the next call. */
  async read(position: number, length: number): Promise<Uint8Array> {
    const end = Math.min(this.source.size, position + length);
    if (position < this.start || end > this.start + this.window.length) {
      this.window = await this.source.read(position, Math.max(length, WINDOW));
      this.start = position;
    }
    return this.window.subarray(position - this.start, end - this.start);
  }
}
