/**
 * Dependencies of an object (`hbs2 deps`, `del -r`): every block it needs, each once.
 * Unlike hbs2's deep scan (spec §5.4) this includes the tree blocks below the root, the
 * metadata block and the group key tree; data blocks are not interpreted (§5.2).
 */
import { FormatError } from '../errors.js';
import type { BlockStore } from '../store/blockstore.js';
import { hashToString } from '../store/hash.js';
import { MAX_TREE_DEPTH } from './constants.js';
import { decodeTreeBlock, detectBlock, rejectUnknownAnnotation } from './detect.js';
import type { MTree } from './node.js';
import { toHex } from '../codec/hex.js';

/** Why a block is needed. */
export type DepRole = 'root' | 'tree' | 'data' | 'metadata' | 'group-key' | 'annotation' | 'target';

/** One dependency. */
export interface Dep {
  hash: Uint8Array;
  role: DepRole;
  /** False when the block is missing from the store. */
  present: boolean;
}

/** Options for {@link collectDeps}. */
export interface DepsOptions {
  /** Deepest nesting of tree blocks and references accepted (default 64). */
  maxDepth?: number;
}

function key(h: Uint8Array): string {
  return toHex(h);
}

/**
 * Yields the root and every block it depends on, each once, in pre-order. Missing blocks
 * are yielded with `present: false` (their own dependencies cannot be known). Corrupt
 * blocks throw an IntegrityError; undecodable tree blocks and annotations with an unknown
 * encryption method a FormatError (after the blocks yielded before them).
 */
export async function* collectDeps(
  store: Pick<BlockStore, 'get' | 'has'>,
  root: Uint8Array,
  opts: DepsOptions = {},
): AsyncIterable<Dep> {
  const maxDepth = opts.maxDepth ?? MAX_TREE_DEPTH;
  const seen = new Set<string>();
  const first = (h: Uint8Array): boolean => {
    const k = key(h);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  };
  const tooDeep = (h: Uint8Array): FormatError =>
    new FormatError(
      `object ${hashToString(root)} is nested deeper than ${maxDepth} levels (at block ${hashToString(h)})`,
    );

  async function* data(h: Uint8Array, role: DepRole): AsyncIterable<Dep> {
    if (first(h)) yield { hash: h, role, present: await store.has(h) };
  }

  async function* tree(t: MTree, depth: number): AsyncIterable<Dep> {
    if (t.type === 'leaf') {
      for (const h of t.hashes) yield* data(h, 'data');
      return;
    }
    for (const child of t.children) {
      if (!first(child)) continue;
      if (depth + 1 > maxDepth) throw tooDeep(child);
      const block = await store.get(child);
      yield { hash: child, role: 'tree', present: block !== null };
      if (block) yield* tree(decodeTreeBlock(block, hashToString(child)), depth + 1);
    }
  }

  async function* object(h: Uint8Array, role: DepRole, depth: number): AsyncIterable<Dep> {
    if (!first(h)) return;
    if (depth > maxDepth) throw tooDeep(h);
    const block = await store.get(h);
    const d = block && detectBlock(block);
    // An annotation with an unknown encryption would otherwise list as a lone blob: it is
    // refused before it is listed.
    if (block && d?.type === 'blob') rejectUnknownAnnotation(block, h);
    yield { hash: h, role, present: block !== null };
    if (!d) return;
    switch (d.type) {
      case 'merkle':
        yield* tree(d.tree, depth);
        return;
      case 'ann-merkle': {
        yield* tree(d.ann.tree, depth);
        if (d.ann.meta.kind === 'ref') yield* data(d.ann.meta.hash, 'metadata');
        const c = d.ann.crypt;
        if (c.kind === 'symm1' || c.kind === 'symm2')
          yield* object(c.groupKey, 'group-key', depth + 1);
        else if (c.kind === 'asymm') yield* object(c.accessKey, 'group-key', depth + 1);
        return;
      }
      case 'annotated-ref':
      case 'sequential-ref': {
        const ref = d.type === 'annotated-ref' ? d.ref : d.ref.ref;
        if (ref.annotation) yield* object(ref.annotation, 'annotation', depth + 1);
        yield* object(ref.target, 'target', depth + 1);
        return;
      }
      case 'blob':
        return;
    }
  }

  yield* object(root, 'root', 1);
}
