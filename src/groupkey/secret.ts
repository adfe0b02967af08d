/**
 * The group secret: what is sealed for each recipient (spec §5.3) and the group key id
 * derived from it (§5.4).
 */
import { CborReader, CborWriter } from '../codec/cbor.js';
import { readNewtypeBytes, writeNewtypeBytes } from '../codec/hbs2.js';
import { crypto, type CryptoProvider } from '../crypto/index.js';
import { FormatError } from '../errors.js';

/** Length of a group secret (a secretbox key). */
export const GROUP_SECRET_LENGTH = 32;

const ZERO_MESSAGE = new Uint8Array(32);
const ZERO_NONCE = new Uint8Array(24);

/** `serialise(secret)` = `82 00 58 20 ‖ secret`, the plaintext sealed to each recipient. */
export function encodeSealedSecret(secret: Uint8Array): Uint8Array {
  return writeNewtypeBytes(new CborWriter(40), secret).finish().slice();
}

/**
 * Decodes an opened box back to the secret. hbs2 accepts any length here; the toolkit
 * insists on 32 bytes because nothing else can be used as a secretbox key.
 */
export function decodeSealedSecret(plaintext: Uint8Array): Uint8Array {
  const r = new CborReader(plaintext, 'sealed group secret');
  return new Uint8Array(readNewtypeBytes(r, 'group secret', GROUP_SECRET_LENGTH));
}

/**
 * The `GroupKeyIdBasic1` id of a secret:
 * BLAKE2b-256(secretbox(00×32, nonce 00×24, secret)). It depends on the secret only, so
 * every key sharing a secret shares its id.
 */
export function groupKeyId(secret: Uint8Array, c: CryptoProvider = crypto()): Uint8Array {
  if (secret.length !== GROUP_SECRET_LENGTH)
    throw new FormatError(
      `group secret must be ${GROUP_SECRET_LENGTH} bytes, got ${secret.length}`,
    );
  return c.blake2b256(c.secretbox(ZERO_MESSAGE, ZERO_NONCE, secret));
}
