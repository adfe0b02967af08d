/**
 * Codec of hbs2's tree blocks, `MTree [HashRef]` (spec §3.1):
 *
 * * leaf `MLeaf hashes`: `82 01` + list of HashRef (`82 00 82 00 58 20 <32>`);
 * * node `MNode (MNodeData height) children`: `83 00 82 00 <height>` + list of bare Hash.
 *
 * Lists are `80` when empty, else indefinite `9f … ff`. Decoding accepts definite lists
 * too (as `serialise` does) but requires 32-byte hashes and bounded list lengths.
 */
import { CborReader, CborWriter } from '../codec/cbor.js';
import { readHash, readHashRef, writeHash, writeHashRef, writeList } from '../codec/hbs2.js';
import { LEAF_MAX, NODE_MAX } from './constants.js';

/** A leaf: the hashes of data blocks, in order. */
export interface MLeaf {
  type: 'leaf';
  hashes: Uint8Array[];
}

/** An inner node: its height and the hashes of its child tree blocks, in order. */
export interface MNode {
  type: 'node';
  height: number;
  children: Uint8Array[];
}

/** A decoded tree block. */
export type MTree = MLeaf | MNode;

/**
 * A plain copy of decoded bytes, so values never alias (and keep alive) the block they
 * came from, whatever Uint8Array subclass the input was.
 */
export function copy(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes);
}

/** Writes an MTree into `w` (used inline by the annotation codec too). */
export function writeMTree(w: CborWriter, tree: MTree): CborWriter {
  if (tree.type === 'leaf') {
    w.array(2).int(1);
    return writeList(w, tree.hashes, writeHashRef);
  }
  w.array(3).int(0);
  w.array(2).int(0).int(tree.height);
  return writeList(w, tree.children, writeHash);
}

/** The bytes of a tree block. */
export function encodeMTree(tree: MTree): Uint8Array {
  const n = tree.type === 'leaf' ? tree.hashes.length * 38 : tree.children.length * 36;
  return writeMTree(new CborWriter(n + 16), tree)
    .finish()
    .slice();
}

/**
 * Reads one MTree from `r`. A leaf with more than 1024 entries or a node with more than
 * 256 children is a FormatError (hbs2 never writes them; a reader must not trust them).
 */
export function readMTree(r: CborReader): MTree {
  const tag = r.constructorOf({ 0: 2, 1: 1 }, 'MTree');
  if (tag === 1)
    return { type: 'leaf', hashes: r.list((x) => copy(readHashRef(x, 'leaf entry')), LEAF_MAX) };
  r.record(1, 'MNodeData');
  const height = r.uint();
  const children = r.list((x) => copy(readHash(x, 'node child')), NODE_MAX);
  return { type: 'node', height, children };
}

/** Decodes a whole block as an MTree; trailing bytes are a FormatError. */
export function decodeMTree(block: Uint8Array, what = 'tree block'): MTree {
  const r = new CborReader(block, what);
  const t = readMTree(r);
  r.expectEnd();
  return t;
}
