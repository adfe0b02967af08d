/**
 * Tree reader (spec §3.5, §7): walks a tree depth-first, left to right, and streams the
 * data blocks in order with a bounded read-ahead.
 *
 * Unlike hbs2's old walker it never skips anything: a missing block is a NotFoundError
 * naming it, a tree block that does not decode is a FormatError naming it. Hostile trees
 * are bounded: nesting deeper than {@link MAX_TREE_DEPTH}, a block that contains itself
 * (a cycle on the current path), and oversized nodes or leaves are FormatErrors.
 */
import { FormatError, NotFoundError } from '../errors.js';
import type { BlockSource } from '../store/blockstore.js';
import { hashToString } from '../store/hash.js';
import { MAX_TREE_DEPTH } from './constants.js';
import { decodeTreeBlock } from './detect.js';
import type { MTree } from './node.js';
import { toHex } from '../codec/hex.js';

/**
 * Turns a stored data block back into plaintext; `index` counts from 1. A transform
 * marked `verifies` is handed blocks read unverified together with the hash each must
 * have, and checks it before using the bytes (a worker pool hashes and decrypts in one
 * step); any other transform gets blocks the store has already verified.
 */
export type ReadTransform = ((
  stored: Uint8Array,
  index: bigint,
  expect?: Uint8Array,
) => Uint8Array | Promise<Uint8Array>) & { readonly verifies?: boolean };

/** A tree root: its hash, and its decoded structure when the caller already has it. */
export type TreeRoot = Uint8Array | { hash: Uint8Array; tree: MTree };

/** Options for {@link walkTree}. */
export interface WalkOptions {
  /** Deepest nesting of tree blocks accepted (default 64). */
  maxDepth?: number;
  /** Called for each tree block reached (root included), in pre-order. */
  onTreeBlock?: (hash: Uint8Array, tree: MTree) => void;
}

/** Options for {@link readTree}. */
export interface ReadTreeOptions extends WalkOptions {
  /** Applied to each verified data block (decryption). */
  transform?: ReadTransform;
  /** Data blocks fetched ahead of the consumer (default 8). */
  readAhead?: number;
}

function key(h: Uint8Array): string {
  return toHex(h);
}

/** Loads and decodes one tree block; missing → NotFoundError, undecodable → FormatError. */
export async function loadTreeBlock(source: BlockSource, hash: Uint8Array): Promise<MTree> {
  const block = await source.get(hash);
  const name = hashToString(hash);
  if (!block) throw new NotFoundError(`block ${name} not found`);
  return decodeTreeBlock(block, name);
}

/** The error for a tree block that lists itself below itself (a cycle). */
export function cyclicTreeError(root: Uint8Array, block: Uint8Array): FormatError {
  return new FormatError(
    `tree ${hashToString(root)} is cyclic: block ${hashToString(block)} contains itself`,
  );
}

/** The error for a tree nested deeper than `maxDepth` levels, reached at `block`. */
export function tooDeepTreeError(
  root: Uint8Array,
  maxDepth: number,
  block: Uint8Array,
): FormatError {
  return new FormatError(
    `tree ${hashToString(root)} is nested deeper than ${maxDepth} levels (at block ${hashToString(block)})`,
  );
}

/** Yields the hashes of the tree's data blocks, in order. */
export async function* walkTree(
  source: BlockSource,
  root: TreeRoot,
  opts: WalkOptions = {},
): AsyncIterable<Uint8Array> {
  const maxDepth = opts.maxDepth ?? MAX_TREE_DEPTH;
  const rootHash = root instanceof Uint8Array ? root : root.hash;
  const rootTree = root instanceof Uint8Array ? await loadTreeBlock(source, root) : root.tree;
  const onPath = new Set<string>([key(rootHash)]);

  async function* visit(hash: Uint8Array, tree: MTree, depth: number): AsyncIterable<Uint8Array> {
    opts.onTreeBlock?.(hash, tree);
    if (tree.type === 'leaf') {
      yield* tree.hashes;
      return;
    }
    for (const child of tree.children) {
      const k = key(child);
      if (onPath.has(k)) throw cyclicTreeError(rootHash, child);
      if (depth + 1 > maxDepth) throw tooDeepTreeError(rootHash, maxDepth, child);
      const sub = await loadTreeBlock(source, child);
      onPath.add(k);
      yield* visit(child, sub, depth + 1);
      onPath.delete(k);
    }
  }

  yield* visit(rootHash, rootTree, 1);
}

/**
 * Streams the tree's content: every data block fetched (and verified by the store),
 * transformed, and yielded in order. At most `readAhead` blocks are held at once. A
 * failure is thrown only after every block before it has been yielded.
 */
export async function* readTree(
  source: BlockSource,
  root: TreeRoot,
  opts: ReadTreeOptions = {},
): AsyncIterable<Uint8Array> {
  const readAhead = Math.max(1, opts.readAhead ?? 8);
  const transform = opts.transform;
  const hashes = walkTree(source, root, opts)[Symbol.asyncIterator]();
  const queue: Promise<Uint8Array>[] = [];
  let index = 0n;
  let walkDone = false;
  let walkError: unknown;

  // When the transform verifies, skip the store's check so each block is hashed once.
  const getUnverified = transform?.verifies ? source.getUnverified?.bind(source) : undefined;
  const fetch = async (hash: Uint8Array, i: bigint): Promise<Uint8Array> => {
    const block = getUnverified ? await getUnverified(hash) : await source.get(hash);
    if (!block) throw new NotFoundError(`block ${hashToString(hash)} not found`);
    if (!transform) return block;
    return getUnverified ? transform(block, i, hash) : transform(block, i);
  };

  try {
    while (true) {
      while (!walkDone && queue.length < readAhead) {
        let r: IteratorResult<Uint8Array>;
        try {
          r = await hashes.next();
        } catch (e) {
          walkError = e;
          walkDone = true;
          break;
        }
        if (r.done) {
          walkDone = true;
          break;
        }
        const p = fetch(r.value, ++index);
        p.catch(() => undefined);
        queue.push(p);
      }
      const next = queue.shift();
      if (!next) {
        if (walkError !== undefined) throw walkError;
        return;
      }
      yield await next;
    }
  } finally {
    if (!walkDone) await hashes.return?.();
  }
}
