/**
 * Cuts a byte stream of any chunk sizes into exact `size`-byte blocks (the last may be
 * shorter; an empty stream gives no blocks), spec §3.2 step 1.
 */
import { BLOCK_SIZE } from './constants.js';

/**
 * Yields fresh blocks of exactly `size` bytes. Each yielded array is newly allocated, so
 * consumers may keep it while the source reuses its own buffers.
 */
export async function* chunkBytes(
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  size = BLOCK_SIZE,
): AsyncIterable<Uint8Array> {
  if (!Number.isInteger(size) || size <= 0)
    throw new RangeError(`block size must be > 0, got ${size}`);
  let buf = new Uint8Array(size);
  let fill = 0;
  for await (const piece of source) {
    let off = 0;
    while (off < piece.length) {
      const n = Math.min(size - fill, piece.length - off);
      buf.set(piece.subarray(off, off + n), fill);
      fill += n;
      off += n;
      if (fill === size) {
        yield buf;
        buf = new Uint8Array(size);
        fill = 0;
      }
    }
  }
  if (fill > 0) yield buf.slice(0, fill);
}
