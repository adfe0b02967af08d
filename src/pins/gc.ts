/**
 * Garbage collection of a store (either layout): deletes the blocks nothing keeps. Kept
 * are the blocks every pin's root needs, every ref's value with what it needs (for an
 * LWW ref, its signed box and the value's blocks), and every group key tree the key index
 * names (a future `store -g` or rotate may use them).
 *
 * Safety: the live set is computed, and blocks deleted, under the store's exclusive lock,
 * so no pin or ref changes meanwhile (on S3, ref updates hold the shared side of that
 * lock, store/s3/store-locks.ts); where writers do not exclude each other (the simple
 * layout), blocks modified less than `graceMs` before gc started are never deleted, so a
 * concurrent `store` keeps what it writes; any error while computing the
 * live set (a pinned block missing or corrupt, a damaged ref) stops gc before it deletes
 * anything.
 */
import { NotFoundError } from '../errors.js';
import { decodeLwwRef } from '../refs/lwwref.js';
import { decodeSignedBox } from '../refs/signed-box.js';
import { hashToString } from '../store/hash.js';
import type { CompactResult } from '../store/ncq3/compact.js';
import type { Hbs2Store } from '../store/open.js';
import { collectDeps } from '../tree/deps.js';
import { pinOfRef } from './record.js';

/** Options of {@link gc}. */
export interface GcOptions {
  /** Compute and report, delete nothing. */
  dryRun?: boolean;
  /**
   * Blocks whose mtime is less than this many ms before gc's start are kept (default
   * 2000): a block a concurrent command just wrote, on file systems with coarse mtimes.
   */
  graceMs?: number;
  /**
   * Called (and awaited) once the live set is computed, before anything is deleted, still
   * under the store's exclusive lock: where tests race a writer against gc's sweep.
   */
  beforeSweep?: () => Promise<void>;
}

/** What gc found and did. */
export interface GcResult {
  /** Blocks kept because something needs them. */
  live: number;
  /** Unneeded blocks kept because they are newer than gc's start (minus the grace). */
  recent: number;
  /** The unneeded blocks deleted (with `dryRun`: that would be deleted). */
  reclaimed: { hashes: Uint8Array[]; bytes: number };
  /** The compaction that freed their space, where deleting only marks blocks (NCQ3). */
  compacted?: CompactResult;
}

function hex(h: Uint8Array): string {
  return Buffer.from(h.buffer, h.byteOffset, h.byteLength).toString('hex');
}

/** The value of an LWW ref box, or null when `block` is not one. */
function lwwValue(block: Uint8Array): Uint8Array | null {
  try {
    return decodeLwwRef(decodeSignedBox(block).payload).value;
  } catch {
    return null;
  }
}

/** The hex hashes of every block something keeps. */
async function liveSet({ refs, blocks, keyIndex }: Hbs2Store): Promise<Set<string>> {
  const live = new Set<string>();
  const walked = new Set<string>(); // roots already kept with their deps
  /** Keeps `root` and its deps; `required`: a missing block stops gc. */
  const keep = async (root: Uint8Array, required: string | null): Promise<void> => {
    if (walked.has(hex(root))) return;
    walked.add(hex(root));
    for await (const d of collectDeps(blocks, root)) {
      if (d.present) live.add(hex(d.hash));
      else if (required !== null)
        throw new NotFoundError(
          `${required}: its ${d.role} block ${hashToString(d.hash)} is missing; gc deleted nothing`,
          { hint: 'restore the block, or remove the pin (`hbs2 pin rm`) if the data is lost' },
        );
    }
  };
  for await (const { key, value } of refs.listRefs()) {
    const block = await blocks.get(value); // a corrupt value block is an IntegrityError
    if (block === null) continue; // a ref to something held elsewhere: nothing to keep here
    live.add(hex(value));
    const pin = pinOfRef(key, block);
    if (pin) {
      await keep(pin.root, `pin '${pin.name}' (${hashToString(pin.root)})`);
      continue;
    }
    const target = lwwValue(block);
    await keep(target ?? value, null);
  }
  for (const { groupKeyHash } of await keyIndex.list()) await keep(groupKeyHash, null);
  return live;
}

/**
 * Collects the garbage of `store`.
 * @param store - the opened store
 * @param opts - dry run, progress
 * @returns what was (or would be) deleted and kept
 */
export async function gc(store: Hbs2Store, opts: GcOptions = {}): Promise<GcResult> {
  const cutoff = Date.now() - (opts.graceMs ?? 2000);
  const { blocks } = store;
  return store.withExclusive(async () => {
    const live = await liveSet(store);
    await opts.beforeSweep?.();
    const result: GcResult = { live: 0, recent: 0, reclaimed: { hashes: [], bytes: 0 } };
    for await (const h of blocks.hashes()) {
      if (live.has(hex(h))) {
        result.live++;
        continue;
      }
      if (blocks.modifiedAt) {
        const mtime = await blocks.modifiedAt(h);
        if (mtime === null) continue; // gone, or not a block file: fsck reports those
        if (mtime >= cutoff) {
          result.recent++;
          continue;
        }
      }
      const size = await blocks.sizeOf(h);
      if (size === null) continue;
      if (!opts.dryRun && !(await blocks.del(h))) continue;
      result.reclaimed.hashes.push(h);
      result.reclaimed.bytes += size;
    }
    await blocks.flush();
    if (!opts.dryRun && result.reclaimed.hashes.length > 0 && store.compact)
      result.compacted = await store.compact();
    return result;
  });
}
