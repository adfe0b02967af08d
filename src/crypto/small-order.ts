/**
 * Small-order X25519 public keys. Sealing to such a key makes the shared secret a known
 * value (all zeros), so anyone can open the box: such keys must never become recipients.
 * The blocklist is libsodium's (`has_small_order` in ed25519_ref10.c): the encodings of
 * 0, 1, the two points of order 8, p−1, p and p+1, each with or without the top bit.
 */
import { FormatError } from '../errors.js';
import { fromHex } from '../codec/hex.js';

const hex = fromHex;

const SMALL_ORDER_POINTS: readonly Uint8Array[] = [
  '0000000000000000000000000000000000000000000000000000000000000000', // 0 (order 4)
  '0100000000000000000000000000000000000000000000000000000000000000', // 1 (order 1)
  'e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800', // order 8
  '5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157', // order 8
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', // p − 1 (order 2)
  'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', // p (= 0)
  'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', // p + 1 (= 1)
].map(hex);

/**
 * True when `publicKey` (32 bytes) is one of the small-order X25519 encodings, the top
 * bit ignored as X25519 ignores it. Every entry is compared in full, without an early
 * exit, so the time taken does not depend on which entry matched.
 */
export function isSmallOrderPoint(publicKey: Uint8Array): boolean {
  if (publicKey.length !== 32) return false;
  let matches = 0;
  for (const point of SMALL_ORDER_POINTS) {
    let diff = 0;
    for (let i = 0; i < 31; i++) diff |= publicKey[i]! ^ point[i]!;
    diff |= (publicKey[31]! & 0x7f) ^ point[31]!;
    matches |= ((diff - 1) >>> 8) & 1;
  }
  return matches === 1;
}

/**
 * Checks that `publicKey` can be sealed to: 32 bytes and not of small order. Throws a
 * FormatError `<where>: …` otherwise (exit 3); `where` names the file and line, entry or
 * argument the key came from. The key itself is not echoed.
 */
export function checkRecipientKey(publicKey: Uint8Array, where: string): void {
  if (publicKey.length !== 32)
    throw new FormatError(`${where}: public key must be 32 bytes, got ${publicKey.length}`);
  if (isSmallOrderPoint(publicKey))
    throw new FormatError(
      `${where}: public key is a small-order curve25519 point; anything sealed to it could be opened by anyone`,
    );
}

/** True when every byte is zero (an X25519 shared secret libsodium refuses). */
export function isAllZero(bytes: Uint8Array): boolean {
  let acc = 0;
  for (const b of bytes) acc |= b;
  return acc === 0;
}
