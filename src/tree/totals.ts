/**
 * Totals of a tree's data blocks (count, stored bytes, plaintext bytes) without visiting
 * every leaf entry: each distinct subtree is summed once and its totals reused wherever it
 * appears again (memoised by hash).
 *
 * A hostile store of five blocks (a node whose 256 children are all one node, three
 * levels deep, over one leaf of 1024 entries) describes 256³·1024 data blocks; walking
 * them one by one never ends, summing distinct subtrees costs four block reads. The work
 * is bounded by the distinct tree blocks in the store, at most 1024 size look-ups each.
 * Totals are BigInts: a tree nested 64 deep can describe far more than 2^53 bytes.
 */
import { NotFoundError } from '../errors.js';
import type { BlockSource } from '../store/blockstore.js';
import { hashToString } from '../store/hash.js';
import { MAX_TREE_DEPTH } from './constants.js';
import type { MTree } from './node.js';
import { cyclicTreeError, loadTreeBlock, tooDeepTreeError, type TreeRoot } from './reader.js';
import { toHex } from '../codec/hex.js';

/** The totals of a tree's data blocks, repeats counted as often as the tree lists them. */
export interface TreeTotals {
  /** Number of data blocks (leaf entries). */
  blocks: bigint;
  /** Sum of their stored sizes. */
  storedBytes: bigint;
  /** Sum of `plainSize` of each stored size; null when `plainSize` refused one. */
  plainBytes: bigint | null;
  /** The first data block (leftmost leaf entry), or null for an empty tree. */
  firstData: Uint8Array | null;
}

/** Options for {@link treeTotals}. */
export interface TreeTotalsOptions {
  /** Size of a stored block without reading it; null when the block is missing. */
  sizeOf: (hash: Uint8Array) => Promise<number | null>;
  /**
   * The plaintext size of a data block of `stored` bytes (its decryption overhead taken
   * off), or null when no block of that size is well formed. Default: the stored size.
   */
  plainSize?: (stored: number) => number | null;
  /** Deepest nesting of tree blocks accepted (default 64). */
  maxDepth?: number;
}

/** One subtree's totals and how many levels of tree blocks it spans (a leaf: 1). */
interface Subtotal {
  blocks: bigint;
  stored: bigint;
  plain: bigint | null;
  levels: number;
}

function key(h: Uint8Array): string {
  return toHex(h);
}

/**
 * Sums the data blocks of the tree at `root`. A missing tree or data block is a
 * NotFoundError naming it; nesting deeper than `maxDepth` and undecodable tree blocks are
 * FormatErrors, as when the tree is read.
 */
export async function treeTotals(
  source: BlockSource,
  root: TreeRoot,
  opts: TreeTotalsOptions,
): Promise<TreeTotals> {
  const maxDepth = opts.maxDepth ?? MAX_TREE_DEPTH;
  const plainSize = opts.plainSize ?? ((s: number) => s);
  const rootHash = root instanceof Uint8Array ? root : root.hash;
  const rootTree = root instanceof Uint8Array ? await loadTreeBlock(source, root) : root.tree;
  const done = new Map<string, Subtotal>();
  const onPath = new Set<string>([key(rootHash)]);
  let firstData: Uint8Array | null = null;

  const sizeOnce = async (h: Uint8Array, sizes: Map<string, number>): Promise<number> => {
    const size = await opts.sizeOf(h);
    if (size === null) throw new NotFoundError(`block ${hashToString(h)} not found`);
    sizes.set(key(h), size);
    return size;
  };

  async function leaf(hashes: readonly Uint8Array[]): Promise<Subtotal> {
    // Repeats within a leaf are looked up once; across leaves the leaf totals are reused.
    const sizes = new Map<string, number>();
    const total: Subtotal = { blocks: BigInt(hashes.length), stored: 0n, plain: 0n, levels: 1 };
    for (const h of hashes) {
      firstData ??= h;
      const size = sizes.get(key(h)) ?? (await sizeOnce(h, sizes));
      const plain = total.plain === null ? null : plainSize(size);
      total.stored += BigInt(size);
      total.plain = plain === null || total.plain === null ? null : total.plain + BigInt(plain);
    }
    return total;
  }

  async function subtree(tree: MTree, depth: number): Promise<Subtotal> {
    if (tree.type === 'leaf') return leaf(tree.hashes);
    const total: Subtotal = { blocks: 0n, stored: 0n, plain: 0n, levels: 1 };
    for (const child of tree.children) {
      const k = key(child);
      if (onPath.has(k)) throw cyclicTreeError(rootHash, child);
      let sub = done.get(k);
      if (sub === undefined) {
        if (depth + 1 > maxDepth) throw tooDeepTreeError(rootHash, maxDepth, child);
        const childTree = await loadTreeBlock(source, child);
        onPath.add(k);
        sub = await subtree(childTree, depth + 1);
        onPath.delete(k);
        done.set(k, sub);
      } else if (depth + sub.levels > maxDepth) {
        // Summed first at a shallower place: here it would reach past the limit.
        throw tooDeepTreeError(rootHash, maxDepth, child);
      }
      total.blocks += sub.blocks;
      total.stored += sub.stored;
      total.plain = total.plain === null || sub.plain === null ? null : total.plain + sub.plain;
      total.levels = Math.max(total.levels, sub.levels + 1);
    }
    return total;
  }

  const t = await subtree(rootTree, 1);
  return { blocks: t.blocks, storedBytes: t.stored, plainBytes: t.plain, firstData };
}
