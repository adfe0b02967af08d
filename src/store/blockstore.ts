/**
 * The block store abstraction: immutable blocks addressed by the BLAKE2b-256 of their
 * bytes (spec blocks-trees-storage §2, §6). Every implementation verifies what it returns.
 */

/** A content-addressed store of immutable blocks. Hashes are 32 raw bytes. */
export interface BlockStore {
  /**
   * Stores `block` and resolves to its hash. `hash`, when given, must be the BLAKE2b-256
   * of `block` (callers that already hashed pass it so the hash is computed only once).
   * Storing a block that is already present is a cheap no-op. The store does not keep
   * `block` once the promise settles (writers reuse block buffers).
   */
  put(block: Uint8Array, hash?: Uint8Array): Promise<Uint8Array>;
  /**
   * The block's bytes, or null when it is absent. The bytes are verified against `hash`;
   * a mismatch is an IntegrityError naming the block.
   */
  get(hash: Uint8Array): Promise<Uint8Array | null>;
  /**
   * The block's bytes NOT yet checked against `hash`, or null when absent. Only for
   * callers that verify every block themselves before using it (the decrypting worker
   * pool hashes and decrypts in one step, off the main thread). The view's whole
   * ArrayBuffer belongs to the caller (it may be longer than the block).
   */
  getUnverified?(hash: Uint8Array): Promise<Uint8Array | null>;
  /** Whether a block is present (not verified). */
  has(hash: Uint8Array): Promise<boolean>;
  /** Removes a block; resolves to whether it was present. */
  del(hash: Uint8Array): Promise<boolean>;
  /** Every stored block's hash, in no particular order. */
  hashes(): AsyncIterable<Uint8Array>;
  /** Makes every completed write durable (directory fsyncs are batched until here). */
  flush(): Promise<void>;
}

/** The narrowest store a writer needs. */
export type BlockSink = Pick<BlockStore, 'put'>;

/** The narrowest store a reader needs. */
export type BlockSource = Pick<BlockStore, 'get'> & Partial<Pick<BlockStore, 'getUnverified'>>;
