/** A sink that only hashes: what `hbs2 hash --tree` writes into. */
import type { BlockSink } from './blockstore.js';
import { hashBlock } from './hash.js';

/** A `put` that computes the hash and stores nothing. */
export const hashOnlySink: BlockSink = {
  async put(block: Uint8Array, hash?: Uint8Array): Promise<Uint8Array> {
    return hash ?? hashBlock(block);
  },
};
