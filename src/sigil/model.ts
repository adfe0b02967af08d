/**
 * hbs2 sigils (spec keys-and-groupkeys §8): "my encryption key, signed by my signing key".
 *
 * ```
 * Sigil      = 83 00 <sign pk> <SignedBox>
 * SignedBox  = 84 00 <sign pk> <bytes: CBOR of SigilData> <sig: 82 00 58 40 …>
 * SigilData  = 84 00 <encryption pk> <info: Maybe Text> <ext: Maybe HashRef>
 * ```
 */
import { CborReader, CborWriter } from '../codec/cbor.js';
import {
  readHashRef,
  readNewtypeBytes,
  writeHashRef,
  writeMaybe,
  writeNewtypeBytes,
} from '../codec/hbs2.js';
import { checkRecipientKey } from '../crypto/index.js';
import { readSignedBox, writeSignedBox, type SignedBox } from '../refs/signed-box.js';

/** What a sigil states. */
export interface SigilData {
  /** The X25519 encryption public key being published. */
  encryptionKey: Uint8Array;
  /** Free text chosen by the key's owner (`-m INFO`). */
  info: string | null;
  /** Hash of a metadata object (`--metadata-ref`). */
  ext: Uint8Array | null;
}

export type { SignedBox };

/** A sigil as stored (not yet verified). */
export interface Sigil {
  /** The signing key the sigil claims to be from. */
  signKey: Uint8Array;
  box: SignedBox;
}

/** Encodes `SigilData` (the bytes that get signed). */
export function encodeSigilData(d: SigilData): Uint8Array {
  const w = new CborWriter(128);
  w.array(4).int(0);
  writeNewtypeBytes(w, d.encryptionKey);
  writeMaybe(w, d.info, (w, t) => w.text(t));
  writeMaybe(w, d.ext, writeHashRef);
  return w.finish();
}

/**
 * Decodes `SigilData` (trailing bytes ignored, as hbs2's `deserialiseOrFail` does). A
 * small-order encryption key is a FormatError.
 */
export function decodeSigilData(bytes: Uint8Array, what = 'sigil data'): SigilData {
  const r = new CborReader(bytes, what);
  r.record(3, 'sigil data');
  const encryptionKey = new Uint8Array(readNewtypeBytes(r, 'sigil encryption key', 32));
  // A sigil publishes a key for others to seal to: a small-order one would expose them.
  checkRecipientKey(encryptionKey, `${what}: encryption key`);
  const info = r.maybe((r) => r.text());
  const ext = r.maybe((r) => new Uint8Array(readHashRef(r, 'sigil ext hash')));
  return { encryptionKey, info, ext };
}

/** Encodes a sigil. */
export function encodeSigil(s: Sigil): Uint8Array {
  const w = new CborWriter(256 + s.box.payload.length);
  w.array(3).int(0);
  writeNewtypeBytes(w, s.signKey);
  return writeSignedBox(w, s.box).finish();
}

/** Decodes a sigil's structure without checking its signature. */
export function decodeSigil(bytes: Uint8Array, what = 'sigil'): Sigil {
  const r = new CborReader(bytes, what);
  r.record(2, 'sigil');
  const signKey = new Uint8Array(readNewtypeBytes(r, 'sigil signing key', 32));
  return { signKey, box: readSignedBox(r) };
}
