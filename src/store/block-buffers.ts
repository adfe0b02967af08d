/**
 * Recycled block buffers for streaming large trees, in and out. Storing or reading
 * 256 MiB allocates 1,024 block buffers; V8 frees such off-heap memory only when a
 * collection runs, which it delays until tens of megabytes of garbage have piled up in
 * each thread. A writer that gives each block back once stored, and a reader once it has
 * written the block out, keep memory flat instead.
 */

/** A free list of same-sized buffers, filled only by explicit {@link BlockBufferPool.release}. */
export class BlockBufferPool {
  private readonly free: ArrayBuffer[] = [];

  /**
   * @param capacity bytes per buffer: blocks up to `capacity - 1` bytes fit (one spare
   *   byte tells a block that fits from a bigger file that filled the buffer)
   * @param maxFree buffers kept for reuse at most
   */
  constructor(
    readonly capacity: number,
    private readonly maxFree = 32,
  ) {}

  /** A buffer of `capacity` bytes, reused when one was released. */
  take(): Uint8Array {
    return new Uint8Array(this.free.pop() ?? new ArrayBuffer(this.capacity));
  }

  /**
   * Gives back the buffer under `block` once nothing reads it any more. Buffers that did
   * not come from this pool (other sizes, detached ones) are ignored, so releasing any
   * block is safe; releasing one that is still in use is not.
   */
  release(block: Uint8Array): void {
    const b = block.buffer;
    if (!(b instanceof ArrayBuffer) || b.byteLength !== this.capacity) return;
    if (this.free.length >= this.maxFree || this.free.includes(b)) return;
    this.free.push(b);
  }
}
