import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import bs58 from 'bs58';
import { BASE58_ALPHABET, decodeBase58, encodeBase58 } from '../../../src/codec/base58.js';
import { FormatError } from '../../../src/errors.js';
import { xorshiftBytes } from '../../helpers/bytes.js';

const withZeros = (zeros: number, body: Uint8Array): Uint8Array => {
  const bytes = new Uint8Array(zeros + body.length);
  bytes.set(body, zeros);
  return bytes;
};

describe('base58', () => {
  it('matches bs58 on small and large inputs, including leading zeros', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 1500 }), fc.nat(5), (body, zeros) => {
        const bytes = withZeros(zeros, body);
        const text = encodeBase58(bytes);
        expect(text).toBe(bs58.encode(bytes));
        expect(decodeBase58(text)).toEqual(bytes);
      }),
      { numRuns: 200 },
    );
  });

  it('names the bad character and its position', () => {
    expect(() => decodeBase58('abc0def')).toThrow(/invalid base58 character '0' at position 4/);
    expect(() => decodeBase58('abcl')).toThrow(FormatError);
  });

  it('any string decodes or throws a FormatError', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 700 }), (s) => {
        try {
          decodeBase58(s);
        } catch (e) {
          expect(e).toBeInstanceOf(FormatError);
        }
      }),
    );
  });
});

describe('base58 edge cases', () => {
  it('empty input and all-zero inputs on both sides of the fast-path threshold', () => {
    expect(encodeBase58(new Uint8Array(0))).toBe('');
    expect(decodeBase58('')).toEqual(new Uint8Array(0));
    for (const n of [1, 2, 511, 512, 513, 2000]) {
      const zeros = new Uint8Array(n);
      expect(encodeBase58(zeros)).toBe('1'.repeat(n));
      expect(decodeBase58('1'.repeat(n))).toEqual(zeros);
    }
  });

  it('many leading zero bytes before a small number (long "1" prefixes)', () => {
    for (const [zeros, body] of [
      [600, [1]],
      [511, [0xff, 0xff]],
      [512, [57]],
      [900, [58]],
      [3, xorshiftBytes(700, 7)],
      [700, xorshiftBytes(700, 8)],
    ] as const) {
      const bytes = withZeros(zeros, Uint8Array.from(body));
      const text = encodeBase58(bytes);
      expect(text).toBe(bs58.encode(bytes));
      expect(decodeBase58(text)).toEqual(bytes);
      expect(decodeBase58(bs58.encode(bytes))).toEqual(bytes);
    }
  });

  it('sizes around every internal boundary match bs58', () => {
    // 511/512 switch algorithms; powers of 58^9 are crossed by all-0xff and 0x01-led bodies.
    for (const len of [511, 512, 513, 600, 1023, 1024, 1100, 2200, 4500]) {
      for (const bytes of [
        new Uint8Array(len).fill(0xff),
        withZeros(0, Uint8Array.from([1, ...new Uint8Array(len - 1)])),
        xorshiftBytes(len, len),
      ]) {
        const text = encodeBase58(bytes);
        expect(text, `len ${len}`).toBe(bs58.encode(bytes));
        expect(decodeBase58(text)).toEqual(bytes);
      }
    }
  });

  it('text with leading "1"s and single digits decodes like bs58', () => {
    fc.assert(
      fc.property(
        fc.nat(700),
        fc.string({ unit: fc.constantFrom(...BASE58_ALPHABET), maxLength: 900 }),
        (ones, rest) => {
          const text = '1'.repeat(ones) + rest;
          const bytes = decodeBase58(text);
          expect(Buffer.from(bytes).toString('hex')).toBe(
            Buffer.from(bs58.decode(text)).toString('hex'),
          );
        },
      ),
      { numRuns: 60 },
    );
  });

  it('14 KB and 20 KB inputs (the reciprocal-division path) are identical to bs58', () => {
    // bs58 is quadratic: keep its inputs at most 20 KB.
    for (const bytes of [withZeros(3, xorshiftBytes(14_000, 3)), xorshiftBytes(20_000, 4)]) {
      const text = encodeBase58(bytes);
      expect(text).toBe(bs58.encode(bytes));
      expect(decodeBase58(text)).toEqual(bytes);
    }
  });

  it('inputs up to 200 KB round-trip, and the text is canonical', () => {
    for (const [len, zeros] of [
      [50_000, 0],
      [120_000, 17],
      [200_000, 1],
    ] as const) {
      const bytes = withZeros(zeros, xorshiftBytes(len, len));
      bytes[zeros] ||= 1;
      const text = encodeBase58(bytes);
      expect(text.startsWith('1'.repeat(zeros))).toBe(true);
      expect(text[zeros]).not.toBe('1');
      // log(256)/log(58) digits per byte, within one digit.
      expect(Math.abs(text.length - zeros - len * (8 / Math.log2(58)))).toBeLessThan(2);
      expect(decodeBase58(text)).toEqual(bytes);
    }
  });

  it('a 30 KB all-0xff input round-trips', () => {
    const bytes = new Uint8Array(30_000).fill(0xff);
    expect(decodeBase58(encodeBase58(bytes))).toEqual(bytes);
  });

  it('errors name the 1-based position and never echo the text', () => {
    const secret = 'z'.repeat(999) + ' ' + 'z'.repeat(10);
    const e = (() => {
      try {
        decodeBase58(secret, 'key file');
      } catch (err) {
        return err as Error;
      }
      throw new Error('no error');
    })();
    expect(e).toBeInstanceOf(FormatError);
    expect(e.message).toBe('key file: invalid base58 character U+0020 at position 1000');
    expect(() => decodeBase58('1111O')).toThrow(/'O' at position 5/);
    expect(() => decodeBase58('I')).toThrow(/'I' at position 1/);
    expect(() => decodeBase58('abc\r')).toThrow(/U\+000d at position 4/);
    expect(() => decodeBase58('ab\u00e9')).toThrow(/U\+00e9 at position 3/);
    expect(() => decodeBase58('x'.repeat(600) + '+')).toThrow(/'\+' at position 601/);
  });
});
