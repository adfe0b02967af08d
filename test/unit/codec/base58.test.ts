import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import bs58 from 'bs58';
import { decodeBase58, encodeBase58 } from '../../../src/codec/base58.js';
import { FormatError } from '../../../src/errors.js';

describe('base58', () => {
  it('matches bs58 on small and large inputs, including leading zeros', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 1500 }), fc.nat(5), (body, zeros) => {
        const bytes = new Uint8Array(zeros + body.length);
        bytes.set(body, zeros);
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
