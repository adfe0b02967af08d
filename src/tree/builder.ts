/**
 * Streaming tree builder (spec §3.2 steps 2–5): hbs2's `toPTree` grouping and
 * `makeMerkle` serialisation, computed incrementally while data-block hashes arrive.
 *
 * Only hashes are kept: one partial leaf (≤ 1024 hashes) and, per level, at most 256
 * pending child hashes. Blocks are written in the same post-order as hbs2, root last.
 *
 * Why eager grouping gives hbs2's shape: `shape` cuts a level of more than 256 items into
 * runs of 256, so every full run of 256 becomes a node whatever follows. A level of
 * exactly 256 items is the root node itself, which is the same block. At the end, a
 * level's last partial run becomes a node, except a run of one lone leaf, which moves up
 * unchanged (the single-leaf collapse); a run of one node becomes a one-child node.
 */
import type { BlockSink } from '../store/blockstore.js';
import { LEAF_MAX, NODE_MAX } from './constants.js';
import { encodeMTree, type MTree } from './node.js';

/** An item of one level: a written tree block and the value it reports upwards. */
interface Item {
  hash: Uint8Array;
  /** 1 for a leaf, height + 1 for a node (hbs2's makeMerkle). */
  report: number;
  isLeaf: boolean;
}

/** The finished tree. */
export interface BuiltTree {
  /** Hash of the root block (the last block written). */
  root: Uint8Array;
  /** The root block's decoded structure (what an MTreeAnn embeds). */
  rootNode: MTree;
  /** Number of tree blocks written (leaves and nodes). */
  treeBlocks: number;
}

/** Shape constants; hbs2 uses 1024 and 256 (its tests use 2 and 3). */
export interface TreeShape {
  leafMax?: number;
  nodeMax?: number;
}

/** Builds hbs2's merkle tree over data-block hashes fed in order. */
export class TreeBuilder {
  private readonly leafMax: number;
  private readonly nodeMax: number;
  private leaf: Uint8Array[] = [];
  private readonly levels: Item[][] = [];
  private readonly emitted: number[] = [];
  private last: { hash: Uint8Array; tree: MTree } | undefined;
  private written = 0;
  private finished = false;

  constructor(
    private readonly sink: BlockSink,
    shape: TreeShape = {},
  ) {
    this.leafMax = shape.leafMax ?? LEAF_MAX;
    this.nodeMax = shape.nodeMax ?? NODE_MAX;
    if (this.leafMax < 1 || this.nodeMax < 2) throw new RangeError('bad tree shape constants');
  }

  /** Adds the hash of the next data block. */
  async add(hash: Uint8Array): Promise<void> {
    if (this.finished) throw new Error('TreeBuilder.add after finish');
    this.leaf.push(hash);
    if (this.leaf.length === this.leafMax) await this.emitLeaf();
  }

  private async write(tree: MTree): Promise<Uint8Array> {
    const hash = await this.sink.put(encodeMTree(tree));
    this.last = { hash, tree };
    this.written++;
    return hash;
  }

  private async emitLeaf(): Promise<void> {
    const hashes = this.leaf;
    this.leaf = [];
    const hash = await this.write({ type: 'leaf', hashes });
    await this.push(0, { hash, report: 1, isLeaf: true });
  }

  private async writeNode(items: Item[]): Promise<Item> {
    let height = 0;
    for (const it of items) height = Math.max(height, it.report);
    const hash = await this.write({ type: 'node', height, children: items.map((i) => i.hash) });
    return { hash, report: height + 1, isLeaf: false };
  }

  private async push(level: number, item: Item): Promise<void> {
    const items = (this.levels[level] ??= []);
    items.push(item);
    if (items.length === this.nodeMax) {
      this.levels[level] = [];
      this.emitted[level] = (this.emitted[level] ?? 0) + 1;
      await this.push(level + 1, await this.writeNode(items));
    }
  }

  /** Writes the remaining blocks and returns the root. */
  async finish(): Promise<BuiltTree> {
    if (this.finished) throw new Error('TreeBuilder.finish called twice');
    this.finished = true;
    if (this.leaf.length > 0) await this.emitLeaf();
    for (let level = 0; ; level++) {
      const pending = this.levels[level] ?? [];
      this.levels[level] = [];
      if ((this.emitted[level] ?? 0) === 0) {
        // Nothing was grouped at this level, so it is the top: it holds the root.
        let root: Item;
        if (pending.length === 0) root = await this.writeNode([]);
        else if (pending.length === 1) root = pending[0]!;
        else root = await this.writeNode(pending);
        const last = this.last!;
        if (!equal(last.hash, root.hash))
          throw new Error('tree builder: root is not the last block');
        return { root: root.hash, rootNode: last.tree, treeBlocks: this.written };
      }
      if (pending.length === 1 && pending[0]!.isLeaf) await this.push(level + 1, pending[0]!);
      else if (pending.length > 0) await this.push(level + 1, await this.writeNode(pending));
    }
  }
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** Builds the tree over a complete list of hashes (tests, small inputs). */
export async function buildTree(
  sink: BlockSink,
  hashes: Iterable<Uint8Array> | AsyncIterable<Uint8Array>,
  shape?: TreeShape,
): Promise<BuiltTree> {
  const b = new TreeBuilder(sink, shape);
  for await (const h of hashes) await b.add(h);
  return b.finish();
}
