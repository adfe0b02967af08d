/**
 * Cuts a byte stream of any chunk sizes into exact `size`-byte blocks (the last may be
 * shorter; an empty stream gives no blocks), spec §3.2 step 1.
 */
import type { BlockBufferPool } from '../store/block-buffers.js';
import { BLOCK_SIZE } from './constants.js';

/**
 * Yields fresh blocks of exactly `size` bytes. Each yielded array is newly allocated, so
 * consumers may keep it while the source reuses its own buffers. Each full block sits at
 * the start of its own ArrayBuffer with `slack` spare bytes after it, so a consumer can
 * hand the whole buffer to a worker that writes a longer result (ciphertext) in place.
 * With `buffers` (of `size + slack` bytes), full blocks are taken from that pool: the
 * consumer then gives each back when done and must not keep it.
 */
export async function* chunkBytes(
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  size = BLOCK_SIZE,
  slack = 0,
  buffers?: BlockBufferPool,
): AsyncIterable<Uint8Array> {
  if (!Number.isInteger(size) || size <= 0)
    throw new RangeError(`block size must be > 0, got ${size}`);
  if (buffers && buffers.capacity !== size + slack)
    throw new RangeError(`buffer pool holds ${buffers.capacity} bytes, need ${size + slack}`);
  const fresh = () =>
    buffers
      ? buffers.take().subarray(0, size)
      : new Uint8Array(new ArrayBuffer(size + slack), 0, size);
  let buf = fresh();
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
        buf = fresh();
        fill = 0;
      }
    }
  }
  if (fill > 0) yield buf.slice(0, fill);
}
