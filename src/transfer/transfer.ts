/**
 * Copying blocks and refs between two stores of any kinds (`hbs2 store push` / `pull`):
 * what the destination lacks, concurrently with a bounded number of blocks in flight,
 * every block read through the source's verifying `get`. The whole store, or the closure
 * of given roots (tree blocks, data, metadata, group key trees: {@link collectDeps}).
 *
 * Resumable by construction: a copy only adds missing blocks, so a re-run after an
 * interruption copies the rest. Refs are copied after every block, so a destination ref
 * never points at a block that is not there yet.
 */
import { NotFoundError } from '../errors.js';
import { lwwRefKeyHash } from '../refs/keys.js';
import { acceptLwwRefBox } from '../refs/lww-store.js';
import type { RefStore } from '../refs/ref-store.js';
import { decodeSignedBox } from '../refs/signed-box.js';
import { collectDeps } from '../tree/deps.js';
import type { KeyIndex } from '../store/key-index.js';
import type { BlockStore } from '../store/blockstore.js';
import { runBounded } from '../store/bounded.js';
import { equalBytes, hashToString } from '../store/hash.js';

/** One ref with its value. */
export interface RefEntry {
  key: Uint8Array;
  value: Uint8Array;
}

/** One side of a transfer. */
export interface TransferStore {
  readonly blocks: BlockStore;
  readonly refs: RefStore & { listRefs(): AsyncIterable<RefEntry> };
  /** The store's index of group keys by id; entries follow the group key trees copied. */
  readonly keyIndex?: KeyIndex;
}

/** Progress of a transfer, reported after each block. */
export interface TransferProgress {
  /** Blocks looked at. */
  readonly seen: number;
  /** Blocks copied (the destination lacked them). */
  readonly copied: number;
  /** Bytes copied. */
  readonly bytes: number;
}

/** Options of {@link transfer}. */
export interface TransferOptions {
  /**
   * Copy the closure of these roots and no ref (callers add the refs they want with
   * `refs`). Default: every block and every ref of the source.
   */
  readonly roots?: readonly Uint8Array[];
  /** Refs to copy when `roots` is given (e.g. the pins that named them). */
  readonly refs?: readonly RefEntry[];
  /** Blocks in flight at most (default 16). */
  readonly concurrency?: number;
  readonly onProgress?: (p: TransferProgress) => void;
}

/** What a transfer did. */
export interface TransferResult extends TransferProgress {
  /** Refs written to the destination. */
  readonly refsCopied: number;
  /** Refs the destination already had with the same value. */
  readonly refsPresent: number;
  /**
   * Refs the destination holds with another value that was kept: LWW refs whose value
   * there wins by the LWW rule, and other refs (pins), which are never overwritten.
   */
  readonly refsKept: string[];
  /**
   * Key index entries recorded at the destination: those of the source whose group key
   * tree the destination now holds (readers find a rotated key's secret through them).
   */
  readonly keyIndexEntries: number;
}

/** Blocks in flight by default: enough to fill an S3 link, few enough to stay small. */
export const DEFAULT_TRANSFER_CONCURRENCY = 16;

const hex = (h: Uint8Array) => Buffer.from(h.buffer, h.byteOffset, h.byteLength).toString('hex');

/**
 * Copies from `src` to `dst` what `dst` lacks; see the module comment. A block missing
 * from the source (a root's closure incomplete) is a NotFoundError naming it, raised after
 * the blocks in flight settle.
 */
export async function transfer(
  src: TransferStore,
  dst: TransferStore,
  opts: TransferOptions = {},
): Promise<TransferResult> {
  const progress = { seen: 0, copied: 0, bytes: 0 };
  const copyOne = async (h: Uint8Array, present?: boolean): Promise<void> => {
    if (present === undefined ? !(await dst.blocks.has(h)) : !present) {
      const block = await src.blocks.get(h);
      if (block === null)
        throw new NotFoundError(`block ${hashToString(h)} is not in the source store`);
      await dst.blocks.put(block, h);
      progress.copied++;
      progress.bytes += block.length;
    }
    progress.seen++;
    opts.onProgress?.({ ...progress });
  };

  let refs: readonly RefEntry[];
  if (opts.roots) {
    await runBounded(
      closureOf(src.blocks, opts.roots),
      opts.concurrency ?? DEFAULT_TRANSFER_CONCURRENCY,
      (h) => copyOne(h),
    );
    refs = opts.refs ?? [];
    // The blocks the refs name (pin records, LWW boxes) are not in the roots' closures.
    await runBounded(
      toAsync(refs.map((r) => r.value)),
      opts.concurrency ?? DEFAULT_TRANSFER_CONCURRENCY,
      (h) => copyOne(h),
    );
  } else {
    // One listing of the destination instead of a HEAD per block: on S3 that is one
    // request per 1000 blocks, which makes a resumed push cheap.
    const have = new Set<string>();
    for await (const h of dst.blocks.hashes()) have.add(hex(h));
    await runBounded(src.blocks.hashes(), opts.concurrency ?? DEFAULT_TRANSFER_CONCURRENCY, (h) =>
      copyOne(h, have.has(hex(h))),
    );
    refs = await collect(src.refs.listRefs());
  }
  await dst.blocks.flush();
  const keyIndexEntries = await copyKeyIndex(src, dst);
  return { ...progress, ...(await copyRefs(src, dst, refs)), keyIndexEntries };
}

/**
 * Records at the destination every key index entry of the source whose group key tree
 * the destination holds, after the blocks are durable (an entry never names a tree that
 * is not there). Recording is idempotent, so a re-run costs only the listing.
 */
async function copyKeyIndex(src: TransferStore, dst: TransferStore): Promise<number> {
  if (!src.keyIndex || !dst.keyIndex) return 0;
  let n = 0;
  for (const { id, groupKeyHash } of await src.keyIndex.list())
    if (await dst.blocks.has(groupKeyHash)) {
      await dst.keyIndex.record(id, groupKeyHash);
      n++;
    }
  return n;
}

/** The root and every block it depends on; a missing one is a NotFoundError. */
async function* closureOf(
  blocks: BlockStore,
  roots: readonly Uint8Array[],
): AsyncIterable<Uint8Array> {
  for (const root of roots)
    for await (const dep of collectDeps(blocks, root)) {
      if (!dep.present)
        throw new NotFoundError(
          `block ${hashToString(dep.hash)} (${dep.role} of ${hashToString(root)}) is not in the source store`,
        );
      yield dep.hash;
    }
}

async function* toAsync<T>(items: readonly T[]): AsyncIterable<T> {
  yield* items;
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of items) out.push(x);
  return out;
}

/**
 * Copies refs: an absent one is written; an LWW ref (its value a box signed by the key
 * the ref is named after) goes through hbs2's accept rule, so the higher value wins;
 * any other ref with a different value at the destination is kept there and reported.
 */
async function copyRefs(
  src: TransferStore,
  dst: TransferStore,
  refs: readonly RefEntry[],
): Promise<Pick<TransferResult, 'refsCopied' | 'refsPresent' | 'refsKept'>> {
  let refsCopied = 0;
  let refsPresent = 0;
  const refsKept: string[] = [];
  for (const { key, value } of refs) {
    const signKey = await lwwSigner(src.blocks, key, value);
    if (signKey) {
      const block = (await src.blocks.get(value))!;
      const r = await acceptLwwRefBox(dst.refs, dst.blocks, signKey, block);
      if (equalBytes(r.current.boxHash, value)) {
        if (r.changed) refsCopied++;
        else refsPresent++;
      } else refsKept.push(hashToString(key));
      continue;
    }
    let outcome = 'kept' as 'copied' | 'present' | 'kept';
    await dst.refs.updateRef(key, async (current) => {
      if (current === null) {
        outcome = 'copied';
        return value;
      }
      outcome = equalBytes(current, value) ? 'present' : 'kept';
      return null;
    });
    if (outcome === 'copied') refsCopied++;
    else if (outcome === 'present') refsPresent++;
    else refsKept.push(hashToString(key));
  }
  return { refsCopied, refsPresent, refsKept };
}

/**
 * The signing key when ref `key` is an LWW ref: its value a signed box whose signer's
 * LWW ref key is `key`. Null for anything else.
 */
async function lwwSigner(
  blocks: BlockStore,
  key: Uint8Array,
  value: Uint8Array,
): Promise<Uint8Array | null> {
  const block = await blocks.get(value).catch(() => null);
  if (!block) return null;
  try {
    const box = decodeSignedBox(block);
    return equalBytes(lwwRefKeyHash(box.signKey), key) ? box.signKey : null;
  } catch {
    return null;
  }
}
