/**
 * hbs2's `SignedBox` (spec refs-and-lwwref §5): a payload's CBOR, the key that signed it
 * and a detached ed25519 signature over exactly those bytes.
 *
 * ```
 * SignedBox = 84 00 <82 00 58 20 pk> <bytes: payload CBOR> <82 00 58 40 signature>
 * ```
 */
import { CborReader, CborWriter } from '../codec/cbor.js';
import { readNewtypeBytes, writeNewtypeBytes } from '../codec/hbs2.js';
import { crypto, type KeyPair } from '../crypto/index.js';
import { IntegrityError } from '../errors.js';

/** A `SignedBox`: the exact signed bytes are kept so re-encoding is byte-identical. */
export interface SignedBox {
  /** The key the signature is checked with (the box's own key). */
  signKey: Uint8Array;
  /** The embedded CBOR of the payload, exactly as signed. */
  payload: Uint8Array;
  /** Detached Ed25519 signature over `payload` (64 bytes). */
  signature: Uint8Array;
}

/** Writes a SignedBox into `w`. */
export function writeSignedBox(w: CborWriter, box: SignedBox): CborWriter {
  w.array(4).int(0);
  writeNewtypeBytes(w, box.signKey);
  w.bytes(box.payload);
  return writeNewtypeBytes(w, box.signature);
}

/** Reads a SignedBox (structure only; the signature is not checked). */
export function readSignedBox(r: CborReader): SignedBox {
  r.record(3, 'signed box');
  const signKey = new Uint8Array(readNewtypeBytes(r, 'signed box signing key', 32));
  const payload = new Uint8Array(r.bytes());
  const signature = new Uint8Array(readNewtypeBytes(r, 'signed box signature', 64));
  return { signKey, payload, signature };
}

/** The CBOR of a SignedBox (what hbs2 stores as a block). */
export function encodeSignedBox(box: SignedBox): Uint8Array {
  return writeSignedBox(new CborWriter(112 + box.payload.length), box).finish();
}

/**
 * Decodes a SignedBox without checking its signature; trailing bytes after it are
 * ignored, as hbs2's `unboxSignedBox` ignores them. Bad structure is a FormatError.
 */
export function decodeSignedBox(bytes: Uint8Array, what = 'signed box'): SignedBox {
  return readSignedBox(new CborReader(bytes, what));
}

/** hbs2's `makeSignedBox`: signs `payload` (already CBOR) with `signer`. */
export function makeSignedBox(signer: KeyPair, payload: Uint8Array): SignedBox {
  return {
    signKey: new Uint8Array(signer.publicKey),
    payload: new Uint8Array(payload),
    signature: crypto().sign(payload, signer.secretKey),
  };
}

/**
 * Checks the signature with the box's own key (hbs2's `unboxSignedBox0`) and returns the
 * signed payload bytes; a bad signature is an IntegrityError. Whoever cares who signed
 * must compare `box.signKey` too (hbs2 does not do it for you).
 */
export function openSignedBox(box: SignedBox, what = 'signed box'): Uint8Array {
  if (!crypto().verify(box.payload, box.signature, box.signKey))
    throw new IntegrityError(`${what}: bad signature`);
  return box.payload;
}
