/**
 * The ref storage interface (spec refs-and-lwwref §1): a ref maps a 32-byte ref key hash
 * `k` (see keys.ts) to a 32-byte value hash. What the value means is up to the ref kind.
 */

/**
 * Decides a ref's next value from its current one (null when absent or unreadable):
 * the value to write, or null to leave the ref as it is.
 */
export type RefUpdate = (current: Uint8Array | null) => Promise<Uint8Array | null>;

/** Mutable refs of one store. Keys and values are 32 raw bytes. */
export interface RefStore {
  /** The value of ref `key`, or null when it is absent. */
  getRef(key: Uint8Array): Promise<Uint8Array | null>;
  /**
   * Read-compare-write of ref `key`: `decide` sees the current value and returns the next
   * one (or null to keep it). Writers of the same store are serialised for the whole
   * call, so a value another writer stored between the read and the write cannot be lost.
   * The written value is durable when the promise resolves. Resolves to the value in place
   * afterwards.
   */
  updateRef(key: Uint8Array, decide: RefUpdate): Promise<Uint8Array | null>;
  /** Removes ref `key`; resolves to whether it was present. */
  delRef(key: Uint8Array): Promise<boolean>;
}

/** Sets ref `key` to `value` unconditionally (hbs2's `updateRef`). */
export async function setRef(store: RefStore, key: Uint8Array, value: Uint8Array): Promise<void> {
  await store.updateRef(key, async () => value);
}
