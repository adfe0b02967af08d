/**
 * The WebAssembly BLAKE2b-256 that the native backend switches to once loaded must give
 * exactly libsodium's and noble's bytes: every block name depends on it.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createRequire } from 'node:module';
import { blake2b } from '@noble/hashes/blake2.js';
import { loadNativeCrypto, loadWasmBlake2b } from '../../../src/crypto/select.js';
import { wasmBlake2b256 } from '../../../src/crypto/wasm-blake2b.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const noble256 = (b: Uint8Array) => blake2b(b, { dkLen: 32 });

interface Sodium {
  crypto_generichash(out: Uint8Array, input: Uint8Array): void;
}
let sodium: Sodium | null = null;
try {
  sodium = createRequire(import.meta.url)('sodium-native') as Sodium;
} catch {
  sodium = null;
}
const sodium256 = (b: Uint8Array) => {
  const out = new Uint8Array(32);
  sodium!.crypto_generichash(out, b);
  return out;
};

describe('WebAssembly BLAKE2b-256', () => {
  beforeAll(async () => {
    expect(await loadWasmBlake2b()).toBe(true);
  });

  it('gives the RFC 7693-family known answer for "abc" and the empty input', () => {
    // BLAKE2b-256("abc") and BLAKE2b-256("") as b2sum -l 256 prints them.
    expect(hex(wasmBlake2b256(new TextEncoder().encode('abc'))!)).toBe(
      'bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319',
    );
    expect(hex(wasmBlake2b256(new Uint8Array(0))!)).toBe(
      '0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8',
    );
  });

  it('equals noble (and libsodium) for random inputs, including a view into a bigger buffer', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 5000 }), fc.nat(64), (data, skip) => {
        const big = new Uint8Array(skip + data.length + 7);
        big.set(data, skip);
        const view = big.subarray(skip, skip + data.length);
        const want = hex(noble256(data));
        expect(hex(wasmBlake2b256(view)!)).toBe(want);
        if (sodium) expect(hex(sodium256(data))).toBe(want);
      }),
      { numRuns: 300 },
    );
  });

  it('equals noble on whole 256 KiB blocks and around the 128-byte block boundaries', () => {
    for (const n of [127, 128, 129, 255, 256, 257, 262_144, 262_160]) {
      const data = new Uint8Array(n).map((_, i) => (i * 31 + n) & 0xff);
      expect(hex(wasmBlake2b256(data)!), `length ${n}`).toBe(hex(noble256(data)));
    }
  });

  it('leaves the native backend giving the same bytes once loaded', () => {
    const native = loadNativeCrypto();
    if (!native) return;
    const data = new Uint8Array(1000).fill(9);
    expect(hex(native.blake2b256(data))).toBe(hex(noble256(data)));
  });
});
