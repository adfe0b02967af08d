/**
 * Writing NCQ3 sections (spec ncq3-storage §6): the header of a block, ref or tombstone
 * section, and the tail record that ends every fsynced stretch of a data file. The byte
 * layout is section.ts's; this module only builds bytes.
 */
import { crypto } from '../../crypto/index.js';
import {
  HEADER_LENGTH,
  KEY_LENGTH,
  REF_PAYLOAD_LENGTH,
  SIZE_FIELD,
  TAIL_LENGTH,
} from './section.js';

/** The kinds a writer puts in a data file (tails are written by {@link tailRecord}). */
export type WrittenKind = 'block' | 'ref' | 'tombstone';

const PREFIX: Readonly<Record<WrittenKind | 'tail', number>> = {
  block: 0x42, // 'B'
  ref: 0x52, // 'R'
  tombstone: 0x54, // 'T'
  tail: 0x4d, // 'M'
};

/** `u32be(36 + payloadLength) ‖ key ‖ "X;;\0"`: the 40 bytes before a section's payload. */
export function sectionHeader(
  kind: WrittenKind | 'tail',
  key: Uint8Array,
  payloadLength: number,
): Uint8Array {
  const header = new Uint8Array(HEADER_LENGTH);
  new DataView(header.buffer).setUint32(0, HEADER_LENGTH - SIZE_FIELD + payloadLength);
  header.set(key.subarray(0, KEY_LENGTH), SIZE_FIELD);
  header.set([PREFIX[kind], 0x3b, 0x3b, 0], SIZE_FIELD + KEY_LENGTH);
  return header;
}

/** The payload of a ref record: value hash ‖ unsalted ref key hash (§6.5). */
export function refPayload(value: Uint8Array, refKeyHash: Uint8Array): Uint8Array {
  const payload = new Uint8Array(REF_PAYLOAD_LENGTH);
  payload.set(value, 0);
  payload.set(refKeyHash, KEY_LENGTH);
  return payload;
}

/**
 * The tail record appended before each fsync of a data file of `sizeBefore` bytes (§6.6):
 * an `M` section whose payload, `u64be(sizeBefore + 48)`, is the file size after it.
 */
export function tailRecord(sizeBefore: number): Uint8Array {
  const payload = new Uint8Array(8);
  new DataView(payload.buffer).setBigUint64(0, BigInt(sizeBefore + TAIL_LENGTH));
  const tail = new Uint8Array(TAIL_LENGTH);
  tail.set(sectionHeader('tail', crypto().blake2b256(payload), payload.length), 0);
  tail.set(payload, HEADER_LENGTH);
  return tail;
}
