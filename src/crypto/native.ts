/**
 * libsodium backend through the optional `sodium-native` addon (the library hbs2 itself
 * uses). Loaded lazily with `require`, so a machine without it falls back to `js`.
 */
import { createRequire } from 'node:module';
import type { CryptoProvider, IncrementalHash } from './provider.js';
import { checkRecipientKey } from './small-order.js';
import { wasmBlake2b256 } from './wasm-blake2b.js';

/** The subset of sodium-native the toolkit calls. */
interface Sodium {
  crypto_generichash(out: Uint8Array, input: Uint8Array): void;
  crypto_generichash_init(state: Uint8Array, key: Uint8Array | null, outlen: number): void;
  crypto_generichash_update(state: Uint8Array, input: Uint8Array): void;
  crypto_generichash_final(state: Uint8Array, out: Uint8Array): void;
  crypto_generichash_STATEBYTES: number;
  crypto_secretbox_easy(c: Uint8Array, m: Uint8Array, n: Uint8Array, k: Uint8Array): void;
  crypto_secretbox_open_easy(m: Uint8Array, c: Uint8Array, n: Uint8Array, k: Uint8Array): boolean;
  crypto_box_keypair(pk: Uint8Array, sk: Uint8Array): void;
  crypto_scalarmult_base(q: Uint8Array, n: Uint8Array): void;
  crypto_box_seal(c: Uint8Array, m: Uint8Array, pk: Uint8Array): void;
  crypto_box_seal_open(m: Uint8Array, c: Uint8Array, pk: Uint8Array, sk: Uint8Array): boolean;
  crypto_sign_seed_keypair(pk: Uint8Array, sk: Uint8Array, seed: Uint8Array): void;
  crypto_sign_detached(sig: Uint8Array, m: Uint8Array, sk: Uint8Array): void;
  crypto_sign_verify_detached(sig: Uint8Array, m: Uint8Array, pk: Uint8Array): boolean;
  randombytes_buf(buf: Uint8Array): void;
  crypto_shorthash(out: Uint8Array, input: Uint8Array, key: Uint8Array): void;
}

/** sodium-native rejects views of SharedArrayBuffer; copy those into plain memory. */
function plain(a: Uint8Array): Uint8Array {
  return a.buffer instanceof ArrayBuffer ? a : new Uint8Array(a);
}

function makeNative(s: Sodium): CryptoProvider {
  return {
    name: 'native',
    blake2b256(data) {
      // The WebAssembly BLAKE2b, once loaded in this thread, is about twice as fast.
      const fast = wasmBlake2b256(data);
      if (fast) return fast;
      const out = new Uint8Array(32);
      s.crypto_generichash(out, plain(data));
      return out;
    },
    blake2b256Stream(): IncrementalHash {
      const state = new Uint8Array(s.crypto_generichash_STATEBYTES);
      s.crypto_generichash_init(state, null, 32);
      const wrapper: IncrementalHash = {
        update(data) {
          s.crypto_generichash_update(state, plain(data));
          return wrapper;
        },
        digest() {
          const out = new Uint8Array(32);
          s.crypto_generichash_final(state, out);
          return out;
        },
      };
      return wrapper;
    },
    blake2b(data, outLen) {
      const out = new Uint8Array(outLen);
      s.crypto_generichash(out, plain(data));
      return out;
    },
    secretbox(m, n, k) {
      const c = new Uint8Array(m.length + 16);
      s.crypto_secretbox_easy(c, plain(m), plain(n), plain(k));
      return c;
    },
    secretboxOpen(c, n, k) {
      if (c.length < 16 || n.length !== 24 || k.length !== 32) return null;
      const m = new Uint8Array(c.length - 16);
      return s.crypto_secretbox_open_easy(m, plain(c), plain(n), plain(k)) ? m : null;
    },
    secretboxInto(out, m, n, k) {
      const c = out.subarray(0, m.length + 16);
      if (c.length !== m.length + 16) throw new RangeError('secretboxInto: output too small');
      s.crypto_secretbox_easy(c, plain(m), plain(n), plain(k));
      return c;
    },
    secretboxOpenInto(out, c, n, k) {
      if (c.length < 16 || n.length !== 24 || k.length !== 32) return null;
      const m = out.subarray(0, c.length - 16);
      if (m.length !== c.length - 16) throw new RangeError('secretboxOpenInto: output too small');
      return s.crypto_secretbox_open_easy(m, plain(c), plain(n), plain(k)) ? m : null;
    },
    boxKeyPair() {
      const publicKey = new Uint8Array(32);
      const secretKey = new Uint8Array(32);
      s.crypto_box_keypair(publicKey, secretKey);
      return { publicKey, secretKey };
    },
    boxKeyPairFromSecret(sk) {
      const publicKey = new Uint8Array(32);
      s.crypto_scalarmult_base(publicKey, plain(sk));
      return { publicKey, secretKey: new Uint8Array(sk) };
    },
    sealedBox(m, pk) {
      // libsodium refuses these keys by throwing a plain Error (an "internal error" exit);
      // the same check as the js backend makes it a FormatError on both.
      checkRecipientKey(pk, 'sealed box');
      const c = new Uint8Array(m.length + 48);
      s.crypto_box_seal(c, plain(m), plain(pk));
      return c;
    },
    sealedBoxOpen(c, pk, sk) {
      if (c.length < 48 || pk.length !== 32 || sk.length !== 32) return null;
      const m = new Uint8Array(c.length - 48);
      return s.crypto_box_seal_open(m, plain(c), plain(pk), plain(sk)) ? m : null;
    },
    signKeyPairFromSeed(seed) {
      const publicKey = new Uint8Array(32);
      const secretKey = new Uint8Array(64);
      s.crypto_sign_seed_keypair(publicKey, secretKey, plain(seed));
      return { publicKey, secretKey };
    },
    sign(m, sk) {
      const sig = new Uint8Array(64);
      s.crypto_sign_detached(sig, plain(m), plain(sk));
      return sig;
    },
    verify(m, sig, pk) {
      if (sig.length !== 64 || pk.length !== 32) return false;
      return s.crypto_sign_verify_detached(plain(sig), plain(m), plain(pk));
    },
    sipHash24(key, message) {
      const out = new Uint8Array(8);
      s.crypto_shorthash(out, plain(message), plain(key));
      return new DataView(out.buffer).getBigUint64(0, true);
    },
    randomBytes(n) {
      const out = new Uint8Array(n);
      s.randombytes_buf(out);
      return out;
    },
  };
}

let cached: CryptoProvider | null | undefined;

/**
 * The libsodium backend, or null when `sodium-native` cannot be loaded here.
 * @returns the libsodium backend, or null
 */
export function loadNativeCrypto(): CryptoProvider | null {
  if (cached !== undefined) return cached;
  try {
    const sodium = createRequire(import.meta.url)('sodium-native') as Sodium;
    cached = makeNative(sodium);
  } catch {
    cached = null;
  }
  return cached;
}
