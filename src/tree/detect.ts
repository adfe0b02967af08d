/**
 * Block type detection (spec §5.1): try `MTreeAnn`, `AnnotatedHashRef`, `MTree`,
 * `SequentialRef` in that order, else the block is a blob.
 *
 * Unlike hbs2, which accepts a prefix parse (§5.2), a block counts as a typed object only
 * when the WHOLE block decodes as that type, so a data block that merely begins like a
 * tree node is still a blob.
 */
import { FormatError } from '../errors.js';
import { hashToString } from '../store/hash.js';
import { CborReader } from '../codec/cbor.js';
import { decodeMTreeAnn, readAnnMetaData, type MTreeAnn } from './annotation.js';
import { decodeMTree, type MTree } from './node.js';
import {
  decodeAnnotatedHashRef,
  decodeSequentialRef,
  type AnnotatedHashRef,
  type SequentialRef,
} from './refs.js';

/** What a block is. `type` uses the names of `cat --metadata`. */
export type Detected =
  | { type: 'ann-merkle'; ann: MTreeAnn }
  | { type: 'annotated-ref'; ref: AnnotatedHashRef }
  | { type: 'merkle'; tree: MTree }
  | { type: 'sequential-ref'; ref: SequentialRef }
  | { type: 'blob' };

function attempt<T>(decode: () => T): T | undefined {
  try {
    return decode();
  } catch (e) {
    if (e instanceof FormatError) return undefined;
    throw e;
  }
}

/** Detects the type of one block's bytes. Never throws for any input. */
export function detectBlock(block: Uint8Array): Detected {
  // Every typed shape starts with a definite array head of 2, 3 or 4 items.
  const first = block[0];
  if (first === undefined || first < 0x82 || first > 0x84) return { type: 'blob' };
  const ann = attempt(() => decodeMTreeAnn(block));
  if (ann) return { type: 'ann-merkle', ann };
  const aref = attempt(() => decodeAnnotatedHashRef(block));
  if (aref) return { type: 'annotated-ref', ref: aref };
  const tree = attempt(() => decodeMTree(block));
  if (tree) return { type: 'merkle', tree };
  const sref = attempt(() => decodeSequentialRef(block));
  if (sref) return { type: 'sequential-ref', ref: sref };
  return { type: 'blob' };
}

/**
 * A block that starts like an annotated tree and whose metadata decodes, but whose
 * encryption does not, is an annotation from a newer or broken writer: reading it as raw
 * data would print ciphertext as if it were content (`cat`) or hide the blocks it needs
 * (`deps`). Throws a FormatError naming `hash` for such a block; returns for any other.
 */
export function rejectUnknownAnnotation(block: Uint8Array, hash: Uint8Array): void {
  if (block[0] !== 0x84 || block[1] !== 0x00) return;
  const r = new CborReader(block);
  try {
    r.record(3, 'MTreeAnn');
    readAnnMetaData(r);
  } catch {
    return;
  }
  throw new FormatError(
    `${hashToString(hash)}: annotated tree with an unknown or malformed encryption method`,
  );
}

/**
 * Decodes a tree block as a reader walks it (spec §3.5, §7): an MTree, or failing that
 * an MTreeAnn whose inline tree is used. Anything else is a FormatError naming `name`.
 */
export function decodeTreeBlock(block: Uint8Array, name: string): MTree {
  let treeError: FormatError;
  try {
    return decodeMTree(block, 'MTree');
  } catch (e) {
    if (!(e instanceof FormatError)) throw e;
    treeError = e;
  }
  const ann = attempt(() => decodeMTreeAnn(block));
  if (ann) return ann.tree;
  throw new FormatError(`tree block ${name} does not decode: ${treeError.message}`);
}
