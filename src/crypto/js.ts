/** Portable backend: tweetnacl + @noble/hashes. */
import type naclType from 'tweetnacl';
import type SipHashType from 'siphash';
import { blake2b } from '@noble/hashes/blake2.js';
import type { CryptoProvider, IncrementalHash, KeyPair } from './provider.js';
import { FormatError } from '../errors.js';
import { checkRecipientKey, isAllZero } from './small-order.js';

/**
 * A synchronous `require` where the runtime has one: Node (and Bun, Deno) expose it through
 * `process.getBuiltinModule`, with no `node:` import that would keep this module out of a
 * browser bundle.
 */
const requireCjs = (
  globalThis as {
    process?: { getBuiltinModule?: (id: string) => typeof import('node:module') | undefined };
  }
).process
  ?.getBuiltinModule?.('node:module')
  ?.createRequire(import.meta.url);

// Where a synchronous require exists, tweetnacl and siphash (CommonJS) are required on
// first use: with the native backend, the usual case, they are never needed, and loading
// them cost every process and every worker thread about 20 ms of start-up. Elsewhere
// (browsers) they load with this module.
const preloaded = requireCjs
  ? undefined
  : {
      nacl: (await import('tweetnacl')).default,
      sip: (await import('siphash')).default,
    };
let naclLib: typeof naclType | undefined = preloaded?.nacl;
let sipLib: typeof SipHashType | undefined = preloaded?.sip;
const nacl = (): typeof naclType => (naclLib ??= requireCjs!('tweetnacl') as typeof naclType);
const sip = (): typeof SipHashType => (sipLib ??= requireCjs!('siphash') as typeof SipHashType);

const SEAL_OVERHEAD = 32 + 16;

function sealNonce(epk: Uint8Array, pk: Uint8Array): Uint8Array {
  const input = new Uint8Array(64);
  input.set(epk, 0);
  input.set(pk, 32);
  return blake2b(input, { dkLen: 24 });
}

/** tweetnacl's NaCl-style functions (not in its type declarations): padded buffers. */
interface NaclLowLevel {
  crypto_secretbox(c: Uint8Array, m: Uint8Array, d: number, n: Uint8Array, k: Uint8Array): number;
  crypto_secretbox_open(
    m: Uint8Array,
    c: Uint8Array,
    d: number,
    n: Uint8Array,
    k: Uint8Array,
  ): number;
  crypto_core_hsalsa20(out: Uint8Array, inp: Uint8Array, k: Uint8Array, c: Uint8Array): number;
}
const lowlevel = (): NaclLowLevel => (nacl() as unknown as { lowlevel: NaclLowLevel }).lowlevel;

/** HSalsa20's constant, as crypto_box_beforenm uses it. */
const SIGMA = new TextEncoder().encode('expand 32-byte k');

/**
 * crypto_box_beforenm, refusing an all-zero X25519 shared secret as libsodium does:
 * tweetnacl's own box accepts it, and a box keyed from it opens for anyone.
 * Null when the peer key is of small order.
 */
function boxSharedKey(peerPublicKey: Uint8Array, secretKey: Uint8Array): Uint8Array | null {
  const shared = nacl().scalarMult(secretKey, peerPublicKey);
  if (isAllZero(shared)) return null;
  const k = new Uint8Array(32);
  lowlevel().crypto_core_hsalsa20(k, new Uint8Array(16), shared, SIGMA);
  return k;
}

/** Two scratch buffers per thread, grown on demand and reused by every call. */
const scratch = (() => {
  let a = new Uint8Array(0);
  let b = new Uint8Array(0);
  return {
    a: (n: number) => (a.length >= n ? a : (a = new Uint8Array(n))),
    b: (n: number) => (b.length >= n ? b : (b = new Uint8Array(n))),
  };
})();

/** The tweetnacl + noble backend. */
export const jsCrypto: CryptoProvider = {
  name: 'js',
  blake2b256: (data) => blake2b(data, { dkLen: 32 }),
  blake2b256Stream(): IncrementalHash {
    const h = blake2b.create({ dkLen: 32 });
    const wrapper: IncrementalHash = {
      update(data) {
        h.update(data);
        return wrapper;
      },
      digest: () => h.digest(),
    };
    return wrapper;
  },
  blake2b: (data, outLen) => blake2b(data, { dkLen: outLen }),
  secretbox: (m, n, k) => nacl().secretbox(m, n, k),
  // tweetnacl throws a plain Error for a wrong nonce/key size; libsodium's backend returns
  // null. Keys decoded from files are not length-checked by hbs2, so both must say null.
  secretboxOpen: (b, n, k) =>
    n.length === 24 && k.length === 32 ? nacl().secretbox.open(b, n, k) : null,
  // Through tweetnacl's low-level NaCl functions and two reused scratch buffers: its
  // high-level API allocates two padded copies of every 256 KiB block, and that garbage
  // was most of a js-backend worker's memory.
  secretboxInto(out, m, n, k) {
    if (n.length !== 24 || k.length !== 32)
      throw new RangeError('secretbox: bad nonce or key size');
    if (out.length < m.length + 16) throw new RangeError('secretboxInto: output too small');
    const len = m.length + 32;
    const padded = scratch.a(len);
    padded.fill(0, 0, 32);
    padded.set(m, 32);
    const boxed = scratch.b(len);
    lowlevel().crypto_secretbox(boxed, padded, len, n, k);
    out.set(boxed.subarray(16, len));
    return out.subarray(0, m.length + 16);
  },
  secretboxOpenInto(out, b, n, k) {
    // Same order of checks as the native backend: bad sizes are null before a RangeError.
    if (b.length < 16 || n.length !== 24 || k.length !== 32) return null;
    if (out.length < b.length - 16) throw new RangeError('secretboxOpenInto: output too small');
    const len = b.length + 16;
    const padded = scratch.a(len);
    padded.fill(0, 0, 16);
    padded.set(b, 16);
    const opened = scratch.b(len);
    if (lowlevel().crypto_secretbox_open(opened, padded, len, n, k) !== 0) return null;
    out.set(opened.subarray(32, len));
    return out.subarray(0, b.length - 16);
  },
  boxKeyPair: (): KeyPair => nacl().box.keyPair(),
  boxKeyPairFromSecret: (sk) => nacl().box.keyPair.fromSecretKey(sk),
  sealedBox(message, pk) {
    checkRecipientKey(pk, 'sealed box');
    const eph = nacl().box.keyPair();
    const k = boxSharedKey(pk, eph.secretKey);
    // The blocklist covers every key giving a zero secret; this is the libsodium-style backstop.
    if (!k) throw new FormatError('sealed box: the recipient key gives an all-zero shared secret');
    const boxed = nacl().box.after(message, sealNonce(eph.publicKey, pk), k);
    const out = new Uint8Array(32 + boxed.length);
    out.set(eph.publicKey, 0);
    out.set(boxed, 32);
    return out;
  },
  sealedBoxOpen(sealed, pk, sk) {
    if (sealed.length < SEAL_OVERHEAD || pk.length !== 32 || sk.length !== 32) return null;
    const epk = sealed.subarray(0, 32);
    const k = boxSharedKey(epk, sk);
    return k && nacl().box.open.after(sealed.subarray(32), sealNonce(epk, pk), k);
  },
  signKeyPairFromSeed: (seed) => nacl().sign.keyPair.fromSeed(seed),
  sign: (m, sk) => nacl().sign.detached(m, sk),
  verify: (m, sig, pk) =>
    sig.length === 64 && pk.length === 32 && nacl().sign.detached.verify(m, sig, pk),
  sipHash24(key, message) {
    const k = new DataView(key.buffer, key.byteOffset, 16);
    const words = [
      k.getUint32(0, true),
      k.getUint32(4, true),
      k.getUint32(8, true),
      k.getUint32(12, true),
    ];
    const { h, l } = sip().hash(words, message);
    return (BigInt(h >>> 0) << 32n) | BigInt(l >>> 0);
  },
  randomBytes: (n) => nacl().randomBytes(n),
};
