/**
 * Ref key hashes (spec refs-and-lwwref §2): storage never sees a ref's key itself, only
 * `k = H(tag ‖ 82 00 58 20 ‖ pk)`, where the tag names the kind of ref.
 */
import { CborWriter } from '../codec/cbor.js';
import { writeNewtypeBytes } from '../codec/hbs2.js';
import { crypto } from '../crypto/index.js';
import { FormatError } from '../errors.js';

/** The ASCII tags (with their `|`) hbs2 hashes in front of a ref's public key. */
export const REF_KEY_TAGS = {
  lwwref: 'lwwrefkey|',
  reflog: 'reflogkey|',
  refchanHead: 'refchanhead|',
  refchanLog: 'refchanlog|',
  mailbox: 'mailboxv1|',
  anyref: 'anyref|',
} as const;

/** A kind of ref whose key is an ed25519 public key. */
export type RefKind = keyof typeof REF_KEY_TAGS;

/** Length of the ed25519 public key that names a ref. */
export const REF_PUBLIC_KEY_LENGTH = 32;

/** `k` of a ref of `kind` owned by `publicKey`: `H(tag ‖ CBOR(publicKey))`. */
export function refKeyHash(kind: RefKind, publicKey: Uint8Array): Uint8Array {
  if (publicKey.length !== REF_PUBLIC_KEY_LENGTH)
    throw new FormatError(
      `ref key: a public key is ${REF_PUBLIC_KEY_LENGTH} bytes, got ${publicKey.length}`,
    );
  const w = new CborWriter(64);
  w.raw(new TextEncoder().encode(REF_KEY_TAGS[kind]));
  writeNewtypeBytes(w, publicKey);
  return crypto().blake2b256(w.finish());
}

/**
 * `k` of the LWW ref owned by `publicKey` (`hashObject (LWWRefKey pk)`).
 * @param publicKey - the ref's signing public key
 * @returns the ref key hash
 */
export function lwwRefKeyHash(publicKey: Uint8Array): Uint8Array {
  return refKeyHash('lwwref', publicKey);
}
