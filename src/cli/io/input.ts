/**
 * The input of a command: a FILE argument, or standard input for `-` (or nothing, when
 * stdin is not a terminal), as a stream of pieces.
 */
import { promises as fs, readSync } from 'node:fs';
import { UsageError } from '../../errors.js';
import { fileError } from '../../fsutil.js';
import { inlineRunner, runnerFor, type BlockRunner } from '../../parallel/pool.js';
import { BLOCK_SIZE } from '../../tree/index.js';

/** An input to read: a file, or stdin for `-` / nothing. */
export interface Input {
  /** Pieces of the input, in order; each is valid only until the next is asked for. */
  source: AsyncIterable<Uint8Array>;
  /** Size in bytes when known (regular files). */
  size?: number;
  /** The file name, or null for stdin. */
  file: string | null;
  /**
   * Regular files opened with `rereadable`: the same descriptor read again from the
   * start (a second pass that cannot be redirected to another file). Closes it at the end.
   */
  again?: () => AsyncIterable<Uint8Array>;
  /** Closes the file early (after a failure); reading to the end closes it too. */
  close(): Promise<void>;
}

/** Bytes read from an input file at a time (four blocks: fewer system calls). */
const INPUT_READ_SIZE = 4 * BLOCK_SIZE;

/**
 * Opens FILE (or stdin for `-` or undefined) as a stream of pieces. Pipes, FIFOs and
 * devices are read exactly once; a regular file opened `rereadable` can be read twice.
 */
export async function openInput(
  file: string | undefined,
  opts: { rereadable?: boolean } = {},
): Promise<Input> {
  if (file === undefined || file === '-') {
    if (file === undefined && process.stdin.isTTY)
      throw new UsageError('no input: give a FILE, or - to read standard input');
    return {
      source: process.stdin as AsyncIterable<Uint8Array>,
      file: null,
      close: async () => undefined,
    };
  }
  let fh: fs.FileHandle;
  let size: number;
  let regular: boolean;
  try {
    fh = await fs.open(file, 'r');
    const st = await fh.stat();
    if (st.isDirectory()) {
      await fh.close();
      throw new UsageError(`${file}: is a directory, expected a file`);
    }
    size = st.size;
    regular = st.isFile();
  } catch (e) {
    throw fileError(e, file);
  }
  // One buffer for the whole file: the chunker copies every piece into its own blocks.
  const buf = new Uint8Array(INPUT_READ_SIZE);
  const fd = fh.fd;
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await fh.close();
  };
  // A regular file is read synchronously, at explicit positions: a read from the page
  // cache takes tens of microseconds, far less than a round trip through libuv's thread
  // pool, and one read at a time through that pool kept the hashing workers waiting.
  // Pipes and devices, which can block, are read asynchronously.
  async function* read(closeAtEnd: boolean): AsyncIterable<Uint8Array> {
    let position = 0;
    try {
      while (true) {
        let n;
        try {
          n = regular
            ? readSync(fd, buf, 0, buf.length, position)
            : (await fh.read(buf, 0, buf.length, null)).bytesRead;
        } catch (e) {
          throw fileError(e, file!);
        }
        if (n === 0) return;
        position += n;
        yield buf.subarray(0, n);
      }
    } finally {
      if (closeAtEnd) await close();
    }
  }
  // Files that report size 0 but are not empty (/proc, sysfs) cannot be relied on to
  // give the same bytes twice: they are read once, like a pipe.
  const twice = regular && size > 0 && opts.rereadable === true;
  return {
    source: read(!twice),
    size: regular ? size : undefined,
    file,
    ...(twice ? { again: () => read(true) } : {}),
    close,
  };
}

/**
 * Where the blocks of `input` are hashed: big files in worker threads while this thread
 * reads and writes; standard input, of unknown size and often small, here.
 */
export function hashingRunnerFor(input: Input): BlockRunner {
  return input.size === undefined ? inlineRunner() : runnerFor(input.size);
}
