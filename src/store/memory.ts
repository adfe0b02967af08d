/** An in-memory BlockStore, for tests and for short-lived work. */
import type { BlockStore } from './blockstore.js';
import { hashBlock, hashToString, verifyBlock } from './hash.js';
import { checkBlockSize } from './limits.js';
import { toHex } from '../codec/hex.js';

function key(hash: Uint8Array): string {
  return toHex(hash);
}

/** Blocks kept in a Map. Reads verify hashes exactly as the file-system store does. */
export class MemoryBlockStore implements BlockStore {
  private readonly blocks = new Map<string, { hash: Uint8Array; block: Uint8Array }>();
  /** Number of `put` calls that actually added a block (for tests). */
  writes = 0;

  /** {@inheritDoc BlockStore.put} */
  async put(block: Uint8Array, hash?: Uint8Array): Promise<Uint8Array> {
    const h = hash ?? hashBlock(block);
    const k = key(h);
    if (!this.blocks.has(k)) {
      this.blocks.set(k, { hash: h.slice(), block: block.slice() });
      this.writes++;
    }
    return h;
  }

  /**
   * Stores arbitrary bytes under an arbitrary name, bypassing hashing. Only for tests
   * that need corrupt or hostile stores.
   */
  putRaw(hash: Uint8Array, block: Uint8Array): void {
    this.blocks.set(key(hash), { hash: hash.slice(), block: block.slice() });
  }

  /** {@inheritDoc BlockStore.get} */
  async get(hash: Uint8Array): Promise<Uint8Array | null> {
    const block = await this.getUnverified(hash);
    return block && verifyBlock(hash, block);
  }

  /** {@inheritDoc BlockStore.getUnverified} */
  async getUnverified(hash: Uint8Array): Promise<Uint8Array | null> {
    const e = this.blocks.get(key(hash));
    if (!e) return null;
    // Same limit as the file-system store, so hostile-store tests hold for both.
    checkBlockSize(hash, e.block.length);
    return e.block.slice();
  }

  /** {@inheritDoc BlockStore.has} */
  async has(hash: Uint8Array): Promise<boolean> {
    return this.blocks.has(key(hash));
  }

  /** {@inheritDoc BlockStore.del} */
  async del(hash: Uint8Array): Promise<boolean> {
    return this.blocks.delete(key(hash));
  }

  /** {@inheritDoc BlockStore.hashes} */
  async *hashes(): AsyncIterable<Uint8Array> {
    for (const e of [...this.blocks.values()]) yield e.hash;
  }

  /** Nothing to make durable. */
  async flush(): Promise<void> {}

  /** Number of blocks held. */
  get size(): number {
    return this.blocks.size;
  }

  /** Base58 names of every block (sorted), for test assertions. */
  names(): string[] {
    return [...this.blocks.values()].map((e) => hashToString(e.hash)).sort();
  }
}
