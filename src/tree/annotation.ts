/**
 * Codec of annotated trees, `MTreeAnn [HashRef]` (spec §4.1): `84 00 <meta> <crypt> <tree>`
 * with the root tree written inline. Every metadata and encryption form is decoded and
 * encoded; nonces are kept byte for byte whatever their length.
 */
import { CborReader, CborWriter } from '../codec/cbor.js';
import { readHash, writeHash } from '../codec/hbs2.js';
import { copy, readMTree, writeMTree, type MTree } from './node.js';

/** `AnnMetaData`: none, inline text, or the hash of a block holding the metadata. */
export type AnnMetaData =
  { kind: 'none' } | { kind: 'short'; text: string } | { kind: 'ref'; hash: Uint8Array };

/** `EncryptGroupNaClSymmOpts`: the SipHash key of method 2. */
export interface SymmOpts {
  a: bigint;
  b: bigint;
}

/** `MTreeEncryption`. `groupKey` is the hash of the group key tree (`gkh`). */
export type MTreeEncryption =
  | { kind: 'null' }
  | { kind: 'asymm'; accessKey: Uint8Array }
  | { kind: 'symm1'; groupKey: Uint8Array; nonce: Uint8Array }
  | { kind: 'symm2'; opts: SymmOpts; groupKey: Uint8Array; nonce: Uint8Array };

/** An annotated tree block. */
export interface MTreeAnn {
  meta: AnnMetaData;
  crypt: MTreeEncryption;
  tree: MTree;
}

/** Writes `AnnMetaData`. */
export function writeAnnMetaData(w: CborWriter, m: AnnMetaData): CborWriter {
  switch (m.kind) {
    case 'none':
      return w.array(1).int(0);
    case 'short':
      return w.array(2).int(1).text(m.text);
    case 'ref':
      w.array(2).int(2);
      return writeHash(w, m.hash);
  }
}

/** Reads `AnnMetaData`. */
export function readAnnMetaData(r: CborReader): AnnMetaData {
  const tag = r.constructorOf({ 0: 0, 1: 1, 2: 1 }, 'AnnMetaData');
  if (tag === 0) return { kind: 'none' };
  if (tag === 1) return { kind: 'short', text: r.text() };
  return { kind: 'ref', hash: readHash(r, 'metadata hash') };
}

/** Writes `MTreeEncryption`. */
export function writeMTreeEncryption(w: CborWriter, c: MTreeEncryption): CborWriter {
  switch (c.kind) {
    case 'null':
      return w.array(1).int(0);
    case 'asymm':
      w.array(2).int(1);
      return writeHash(w, c.accessKey);
    case 'symm1':
      w.array(3).int(2);
      writeHash(w, c.groupKey);
      return w.bytes(c.nonce);
    case 'symm2':
      w.array(4).int(3);
      w.array(2).int(0).array(2).int(c.opts.a).int(c.opts.b);
      writeHash(w, c.groupKey);
      return w.bytes(c.nonce);
  }
}

/** Reads `MTreeEncryption`; the nonce is copied so it outlives the input buffer. */
export function readMTreeEncryption(r: CborReader): MTreeEncryption {
  const tag = r.constructorOf({ 0: 0, 1: 1, 2: 2, 3: 3 }, 'MTreeEncryption');
  switch (tag) {
    case 0:
      return { kind: 'null' };
    case 1:
      return { kind: 'asymm', accessKey: copy(readHash(r, 'access key hash')) };
    case 2: {
      const groupKey = copy(readHash(r, 'group key hash'));
      return { kind: 'symm1', groupKey, nonce: copy(r.bytes()) };
    }
    default: {
      r.record(1, 'EncryptGroupNaClSymmOpts');
      const at = r.pos;
      if (r.arrayLength() !== 2) throw r.fail('expected a pair of Word64', at);
      const a = r.uint64();
      const b = r.uint64();
      const groupKey = copy(readHash(r, 'group key hash'));
      return { kind: 'symm2', opts: { a, b }, groupKey, nonce: copy(r.bytes()) };
    }
  }
}

/** Writes an `MTreeAnn`. */
export function writeMTreeAnn(w: CborWriter, ann: MTreeAnn): CborWriter {
  w.array(4).int(0);
  writeAnnMetaData(w, ann.meta);
  writeMTreeEncryption(w, ann.crypt);
  return writeMTree(w, ann.tree);
}

/** The bytes of an annotated tree block. */
export function encodeMTreeAnn(ann: MTreeAnn): Uint8Array {
  return writeMTreeAnn(new CborWriter(1024), ann).finish().slice();
}

/** Reads an `MTreeAnn`. */
export function readMTreeAnn(r: CborReader): MTreeAnn {
  r.record(3, 'MTreeAnn');
  const meta = readAnnMetaData(r);
  const crypt = readMTreeEncryption(r);
  const tree = readMTree(r);
  return { meta, crypt, tree };
}

/** Decodes a whole block as an `MTreeAnn`; trailing bytes are a FormatError. */
export function decodeMTreeAnn(block: Uint8Array, what = 'annotated tree block'): MTreeAnn {
  const r = new CborReader(block, what);
  const ann = readMTreeAnn(r);
  r.expectEnd();
  return ann;
}
