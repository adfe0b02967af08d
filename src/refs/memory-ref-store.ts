/** An in-memory RefStore, for tests and for short-lived work. */
import type { RefStore, RefUpdate } from './ref-store.js';
import { toHex } from '../codec/hex.js';

function hex(b: Uint8Array): string {
  return toHex(b);
}

/** Refs kept in a Map; updates are serialised like those of the file-system store. */
export class MemoryRefStore implements RefStore {
  private readonly refs = new Map<string, Uint8Array>();
  private queue: Promise<unknown> = Promise.resolve();

  /** {@inheritDoc RefStore.getRef} */
  async getRef(key: Uint8Array): Promise<Uint8Array | null> {
    const v = this.refs.get(hex(key));
    return v ? v.slice() : null;
  }

  /** {@inheritDoc RefStore.updateRef} */
  updateRef(key: Uint8Array, decide: RefUpdate): Promise<Uint8Array | null> {
    const run = this.queue.then(async () => {
      const next = await decide(await this.getRef(key));
      if (next !== null) this.refs.set(hex(key), next.slice());
      return this.getRef(key);
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** {@inheritDoc RefStore.delRef} */
  async delRef(key: Uint8Array): Promise<boolean> {
    return this.refs.delete(hex(key));
  }
}
