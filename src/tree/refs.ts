/**
 * `AnnotatedHashRef` (`83 00 <Maybe HashRef> <HashRef>`) and `SequentialRef`
 * (`83 00 <int> <AnnotatedHashRef>`), spec §1.3. Used by detection and `deps`.
 */
import { CborReader, CborWriter } from '../codec/cbor.js';
import { readHashRef, writeHashRef, writeMaybe } from '../codec/hbs2.js';
import { copy } from './node.js';

/** A reference to `target` with an optional annotation block. */
export interface AnnotatedHashRef {
  annotation: Uint8Array | null;
  target: Uint8Array;
}

/** A numbered AnnotatedHashRef. */
export interface SequentialRef {
  seq: bigint;
  ref: AnnotatedHashRef;
}

/** Reads an AnnotatedHashRef. */
export function readAnnotatedHashRef(r: CborReader): AnnotatedHashRef {
  r.record(2, 'AnnotatedHashRef');
  const annotation = r.maybe((x) => copy(readHashRef(x, 'annotation')));
  return { annotation, target: copy(readHashRef(r, 'target')) };
}

/** Writes an AnnotatedHashRef. */
export function writeAnnotatedHashRef(w: CborWriter, ref: AnnotatedHashRef): CborWriter {
  w.array(3).int(0);
  writeMaybe(w, ref.annotation, writeHashRef);
  return writeHashRef(w, ref.target);
}

/** Decodes a whole block as an AnnotatedHashRef. */
export function decodeAnnotatedHashRef(block: Uint8Array): AnnotatedHashRef {
  const r = new CborReader(block, 'annotated hash ref');
  const v = readAnnotatedHashRef(r);
  r.expectEnd();
  return v;
}

/** Encodes an AnnotatedHashRef block. */
export function encodeAnnotatedHashRef(ref: AnnotatedHashRef): Uint8Array {
  return writeAnnotatedHashRef(new CborWriter(96), ref).finish().slice();
}

/** Reads a SequentialRef. */
export function readSequentialRef(r: CborReader): SequentialRef {
  r.record(2, 'SequentialRef');
  const seq = r.int();
  return { seq, ref: readAnnotatedHashRef(r) };
}

/** Writes a SequentialRef. */
export function writeSequentialRef(w: CborWriter, s: SequentialRef): CborWriter {
  w.array(3).int(0).int(s.seq);
  return writeAnnotatedHashRef(w, s.ref);
}

/** Decodes a whole block as a SequentialRef. */
export function decodeSequentialRef(block: Uint8Array): SequentialRef {
  const r = new CborReader(block, 'sequential ref');
  const v = readSequentialRef(r);
  r.expectEnd();
  return v;
}

/** Encodes a SequentialRef block. */
export function encodeSequentialRef(s: SequentialRef): Uint8Array {
  return writeSequentialRef(new CborWriter(112), s).finish().slice();
}
