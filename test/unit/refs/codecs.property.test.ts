/**
 * Property tests of the refs codecs: round trips, and any bytes in → a value or a
 * FormatError, never another exception.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FormatError } from '../../../src/errors.js';
import {
  compareLwwRefs,
  decodeLwwRef,
  decodeSignedBox,
  encodeLwwRef,
  encodeSignedBox,
  replacesLwwRef,
  type LwwRef,
} from '../../../src/refs/index.js';

const hash = fc.uint8Array({ minLength: 32, maxLength: 32 });
const lwwRef: fc.Arbitrary<LwwRef> = fc.record({
  seq: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
  value: hash,
  proof: fc.option(hash, { nil: null }),
});

/** Runs `f`; only a FormatError may escape it. */
function valueOrFormatError(f: () => unknown): void {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(FormatError);
  }
}

describe('LWWRef codec', () => {
  it('round-trips every value', () => {
    fc.assert(
      fc.property(lwwRef, (r) => {
        expect(decodeLwwRef(encodeLwwRef(r))).toEqual(r);
      }),
    );
  });

  it('any bytes decode to a value or a FormatError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 120 }), (b) =>
        valueOrFormatError(() => decodeLwwRef(b)),
      ),
    );
  });

  it('mutated encodings decode to a value or a FormatError', () => {
    fc.assert(
      fc.property(lwwRef, fc.nat(), fc.integer({ min: 0, max: 255 }), (r, at, byte) => {
        const b = encodeLwwRef(r);
        b[at % b.length] = byte;
        valueOrFormatError(() => decodeLwwRef(b));
      }),
    );
  });

  it('refuses to encode a seq beyond Word64 or a hash that is not 32 bytes', () => {
    const value = new Uint8Array(32);
    expect(() => encodeLwwRef({ seq: 1n << 64n, value, proof: null })).toThrow(FormatError);
    expect(() => encodeLwwRef({ seq: -1n, value, proof: null })).toThrow(FormatError);
    expect(() => encodeLwwRef({ seq: 1n, value: value.subarray(1), proof: null })).toThrow(
      FormatError,
    );
  });
});

describe('SignedBox codec', () => {
  const box = fc.record({
    signKey: hash,
    payload: fc.uint8Array({ maxLength: 300 }),
    signature: fc.uint8Array({ minLength: 64, maxLength: 64 }),
  });

  it('round-trips every box', () => {
    fc.assert(
      fc.property(box, (b) => {
        expect(decodeSignedBox(encodeSignedBox(b))).toEqual(b);
      }),
    );
  });

  it('any bytes decode to a box or a FormatError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (b) =>
        valueOrFormatError(() => decodeSignedBox(b)),
      ),
    );
  });
});

describe('the choice rule (spec §6.2)', () => {
  it('is a total order on (seq, value) that ignores proof', () => {
    fc.assert(
      fc.property(lwwRef, lwwRef, (a, b) => {
        const ab = compareLwwRefs(a, b);
        expect(compareLwwRefs(b, a)).toBe(-ab);
        if (a.seq !== b.seq) expect(ab > 0).toBe(a.seq > b.seq);
        expect(compareLwwRefs(a, { ...a, proof: b.value })).toBe(0);
        expect(replacesLwwRef(a, b)).toBe(ab > 0);
        expect(replacesLwwRef(a, null)).toBe(true);
      }),
    );
  });

  it('on equal seq, the value greater as unsigned bytes wins', () => {
    const low = new Uint8Array(32).fill(0x7f);
    const high = new Uint8Array(32);
    high[0] = 0x80; // greater unsigned, smaller as a signed byte
    expect(
      replacesLwwRef({ seq: 3n, value: high, proof: null }, { seq: 3n, value: low, proof: null }),
    ).toBe(true);
    expect(
      replacesLwwRef({ seq: 3n, value: low, proof: null }, { seq: 3n, value: high, proof: null }),
    ).toBe(false);
    expect(
      replacesLwwRef({ seq: 4n, value: low, proof: null }, { seq: 3n, value: high, proof: null }),
    ).toBe(true);
  });
});
