/**
 * secretboxInto / secretboxOpenInto (the output-buffer variants the block workers use):
 * for both backends they must give exactly the bytes of secretbox / secretboxOpen, write
 * at the start of `out`, refuse too small outputs, and say null where secretboxOpen does.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { jsCrypto, loadNativeCrypto, type CryptoProvider } from '../../../src/crypto/select.js';
import { xorshiftBytes } from '../../helpers/bytes.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const native = loadNativeCrypto();
if (!native) console.warn('NOTE: sodium-native is not loadable here; native tests skipped');
const backends: CryptoProvider[] = native ? [jsCrypto, native] : [jsCrypto];

const key = xorshiftBytes(32, 1);
const nonce = xorshiftBytes(24, 2);
const SIZES = [0, 1, 262_144];

describe.each(backends.map((c) => [c.name, c] as const))('secretbox*Into (%s)', (_name, c) => {
  it.each(SIZES)('secretboxInto equals secretbox for %i bytes, at the start of out', (n) => {
    const m = xorshiftBytes(n, 3 + n);
    const out = new Uint8Array(n + 16 + 7).fill(0xee);
    const got = c.secretboxInto(out, m, nonce, key);
    expect(got.length).toBe(n + 16);
    expect(got.buffer).toBe(out.buffer);
    expect(got.byteOffset).toBe(out.byteOffset);
    expect(hex(got)).toBe(hex(c.secretbox(m, nonce, key)));
    // Nothing past the box is touched.
    expect([...out.subarray(n + 16)]).toEqual(new Array(7).fill(0xee));
  });

  it('secretboxInto writes at the start of an `out` that is itself a subarray', () => {
    const backing = new Uint8Array(100);
    const out = backing.subarray(10, 60);
    const m = xorshiftBytes(20, 9);
    const got = c.secretboxInto(out, m, nonce, key);
    expect(got.buffer).toBe(backing.buffer);
    expect(got.byteOffset).toBe(10);
    expect(hex(got)).toBe(hex(c.secretbox(m, nonce, key)));
  });

  it.each(SIZES)('secretboxOpenInto round-trips %i bytes', (n) => {
    const m = xorshiftBytes(n, 5 + n);
    const box = c.secretbox(m, nonce, key);
    const out = new Uint8Array(n + 3);
    const got = c.secretboxOpenInto(out, box, nonce, key);
    expect(got).not.toBeNull();
    expect(got!.buffer).toBe(out.buffer);
    expect(got!.byteOffset).toBe(0);
    expect(got!.length).toBe(n);
    expect(hex(got!)).toBe(hex(m));
  });

  it('secretboxOpenInto returns null on a flipped byte, a wrong key, a bad nonce or key size', () => {
    const m = xorshiftBytes(1000, 11);
    const box = c.secretbox(m, nonce, key);
    const out = new Uint8Array(1000);
    for (const at of [0, 15, 16, 500, box.length - 1]) {
      const bad = box.slice();
      bad[at]! ^= 0x01;
      expect(c.secretboxOpenInto(out, bad, nonce, key)).toBeNull();
    }
    const wrongKey = key.slice();
    wrongKey[31]! ^= 0x80;
    expect(c.secretboxOpenInto(out, box, nonce, wrongKey)).toBeNull();
    expect(c.secretboxOpenInto(out, box, nonce.subarray(0, 23), key)).toBeNull();
    expect(c.secretboxOpenInto(out, box, nonce, key.subarray(0, 31))).toBeNull();
    // The untouched box still opens (the failures above did not depend on state).
    expect(hex(c.secretboxOpenInto(out, box, nonce, key)!)).toBe(hex(m));
  });

  it('secretboxOpenInto returns null (no exception) for boxes shorter than the MAC', () => {
    for (const n of [0, 1, 15]) {
      expect(c.secretboxOpenInto(new Uint8Array(0), xorshiftBytes(n, 7), nonce, key)).toBeNull();
    }
  });

  it('throws RangeError when out is too small', () => {
    const m = xorshiftBytes(100, 13);
    expect(() => c.secretboxInto(new Uint8Array(115), m, nonce, key)).toThrow(RangeError);
    expect(() => c.secretboxInto(new Uint8Array(0), new Uint8Array(0), nonce, key)).toThrow(
      RangeError,
    );
    const box = c.secretbox(m, nonce, key);
    expect(() => c.secretboxOpenInto(new Uint8Array(99), box, nonce, key)).toThrow(RangeError);
    // Exactly the needed sizes are enough.
    expect(c.secretboxInto(new Uint8Array(116), m, nonce, key).length).toBe(116);
    expect(c.secretboxOpenInto(new Uint8Array(100), box, nonce, key)!.length).toBe(100);
  });

  it('property: Into equals the allocating version for random message, key and nonce', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 700 }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ minLength: 24, maxLength: 24 }),
        fc.nat({ max: 40 }),
        (m, k, n, extra) => {
          const box = c.secretbox(m, n, k);
          const sealed = c.secretboxInto(new Uint8Array(m.length + 16 + extra), m, n, k);
          expect(hex(sealed)).toBe(hex(box));
          const opened = c.secretboxOpenInto(new Uint8Array(m.length + extra), box, n, k);
          expect(opened).not.toBeNull();
          expect(hex(opened!)).toBe(hex(c.secretboxOpen(box, n, k)!));
          expect(hex(opened!)).toBe(hex(m));
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe.skipIf(!native)('js and native agree on secretbox*Into', () => {
  const n = native as CryptoProvider;

  it('a box sealed by one opens with the other, for several sizes', () => {
    for (const size of [0, 1, 17, 4096, 262_144]) {
      const m = xorshiftBytes(size, 21 + size);
      const fromJs = jsCrypto.secretboxInto(new Uint8Array(size + 16), m, nonce, key);
      const fromNative = n.secretboxInto(new Uint8Array(size + 16), m, nonce, key);
      expect(hex(fromJs)).toBe(hex(fromNative));
      expect(hex(n.secretboxOpenInto(new Uint8Array(size), fromJs, nonce, key)!)).toBe(hex(m));
      expect(hex(jsCrypto.secretboxOpenInto(new Uint8Array(size), fromNative, nonce, key)!)).toBe(
        hex(m),
      );
    }
  });

  it('property: both backends give the same boxes and the same null answers', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 300 }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ minLength: 24, maxLength: 24 }),
        fc.option(fc.nat(), { nil: undefined }),
        (m, k, nn, flip) => {
          const box = jsCrypto.secretboxInto(new Uint8Array(m.length + 16), m, nn, k);
          expect(hex(n.secretboxInto(new Uint8Array(m.length + 16), m, nn, k))).toBe(hex(box));
          if (flip !== undefined) box[flip % box.length]! ^= 0x40;
          const a = jsCrypto.secretboxOpenInto(new Uint8Array(m.length), box, nn, k);
          const b = n.secretboxOpenInto(new Uint8Array(m.length), box, nn, k);
          expect(a === null).toBe(flip !== undefined);
          expect(b === null).toBe(flip !== undefined);
          if (a && b) expect(hex(a)).toBe(hex(b));
        },
      ),
      { numRuns: 150 },
    );
  });
});
