/**
 * The crypto backend in use and the derived constructions (HMAC, HKDF, nonces) that both
 * backends share, so the two can only differ in the primitives themselves. Portable: the
 * libsodium backend and its selection live in `./select.js` (Node only).
 */
import { IntegrityError } from '../errors.js';
import { jsCrypto } from './js.js';
import type { CryptoProvider } from './provider.js';

export type { CryptoProvider, IncrementalHash, KeyPair } from './provider.js';
export { jsCrypto } from './js.js';
export { checkRecipientKey, isSmallOrderPoint } from './small-order.js';

let selected: CryptoProvider | undefined;
let chooseDefault: () => CryptoProvider = () => jsCrypto;

/**
 * Makes `provider` the backend every operation uses from now on.
 * @param provider - a {@link CryptoProvider} (`jsCrypto`, or Node's libsodium backend)
 * @returns the provider
 */
export function useCrypto(provider: CryptoProvider): CryptoProvider {
  selected = provider;
  return provider;
}

/**
 * Sets how the backend is chosen on first use when none was given with
 * {@link useCrypto} (Node prefers libsodium this way without loading it up front), and
 * forgets the current choice.
 */
export function setDefaultCrypto(choose: () => CryptoProvider): void {
  chooseDefault = choose;
  selected = undefined;
}

/**
 * The backend in use (chosen on first use: the portable `js` backend unless set otherwise).
 * @returns the crypto backend every operation uses
 */
export function crypto(): CryptoProvider {
  return (selected ??= chooseDefault());
}

const BLOCK = 128;

/**
 * HMAC with BLAKE2b-256 and a 128-byte block, as cryptonite computes it
 * (spec keys-and-groupkeys §6.1).
 */
export function hmacBlake2b256(
  key: Uint8Array,
  message: Uint8Array,
  c: CryptoProvider = crypto(),
): Uint8Array {
  let k = key.length > BLOCK ? c.blake2b256(key) : key;
  const padded = new Uint8Array(BLOCK);
  padded.set(k);
  k = padded;
  const inner = new Uint8Array(BLOCK + message.length);
  const outer = new Uint8Array(BLOCK + 32);
  for (let i = 0; i < BLOCK; i++) {
    inner[i] = k[i]! ^ 0x36;
    outer[i] = k[i]! ^ 0x5c;
  }
  inner.set(message, BLOCK);
  outer.set(c.blake2b256(inner), BLOCK);
  return c.blake2b256(outer);
}

/**
 * HKDF-Expand to 32 bytes with HMAC-BLAKE2b-256 and no extract step:
 * HMAC(prk, info ‖ 01). This is hbs2's per-tree key `key0` (spec §6.1).
 */
export function hkdfExpand32(
  prk: Uint8Array,
  info: Uint8Array,
  c: CryptoProvider = crypto(),
): Uint8Array {
  const msg = new Uint8Array(info.length + 1);
  msg.set(info);
  msg[info.length] = 1;
  return hmacBlake2b256(prk, msg, c);
}

/** hbs2 `nonceFrom(bytes)`: the first 24 bytes, zero-padded (spec §6.2). */
export function nonceFromBytes(bytes: Uint8Array): Uint8Array {
  const n = new Uint8Array(24);
  n.set(bytes.subarray(0, 24));
  return n;
}

/** hbs2 `nonceFrom(n0, counter)`: XOR of the big-endian counter into the last 8 bytes. */
export function nonceWithCounter(nonce0: Uint8Array, counter: bigint): Uint8Array {
  const n = new Uint8Array(nonce0);
  const view = new DataView(n.buffer);
  view.setBigUint64(16, view.getBigUint64(16) ^ BigInt.asUintN(64, counter));
  return n;
}

/** Opens a secretbox or throws an IntegrityError naming `what`. */
export function openSecretbox(
  box: Uint8Array,
  nonce: Uint8Array,
  key: Uint8Array,
  what: string,
  c: CryptoProvider = crypto(),
): Uint8Array {
  const m = c.secretboxOpen(box, nonce, key);
  if (!m) throw new IntegrityError(`${what}: decryption failed (MAC does not verify)`);
  return m;
}

/** The 16-byte SipHash key of the two Word64 halves hbs2 uses: LE64(k0) ‖ LE64(k1). */
export function sipKey(k0: bigint, k1: bigint): Uint8Array {
  const key = new Uint8Array(16);
  const v = new DataView(key.buffer);
  v.setBigUint64(0, BigInt.asUintN(64, k0), true);
  v.setBigUint64(8, BigInt.asUintN(64, k1), true);
  return key;
}
