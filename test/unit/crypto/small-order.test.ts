import { describe, expect, it } from 'vitest';
import { createRequire } from 'node:module';
import fc from 'fast-check';
import { checkRecipientKey, isSmallOrderPoint, jsCrypto } from '../../../src/crypto/index.js';
import { FormatError } from '../../../src/errors.js';

const nacl = createRequire(import.meta.url)('tweetnacl') as typeof import('tweetnacl');

const LIST = [
  '0000000000000000000000000000000000000000000000000000000000000000',
  '0100000000000000000000000000000000000000000000000000000000000000',
  'e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800',
  '5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
];
const encodings = LIST.flatMap((h) =>
  [0, 0x80].map((top) => {
    const k = Uint8Array.from(Buffer.from(h, 'hex'));
    k[31]! |= top;
    return k;
  }),
);

describe('isSmallOrderPoint', () => {
  it('flags all 14 encodings, and each really gives an all-zero X25519 shared secret', () => {
    for (const k of encodings) {
      expect(isSmallOrderPoint(k)).toBe(true);
      expect(nacl.scalarMult(nacl.randomBytes(32), k).every((b) => b === 0)).toBe(true);
    }
  });

  it('passes real public keys and wrong lengths (length is checked separately)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (sk) => {
        expect(isSmallOrderPoint(jsCrypto.boxKeyPairFromSecret(sk).publicKey)).toBe(false);
      }),
      { numRuns: 50 },
    );
    expect(isSmallOrderPoint(new Uint8Array(31))).toBe(false);
  });

  it('checkRecipientKey names where the key came from and never echoes it', () => {
    expect(() => checkRecipientKey(encodings[2]!, 'f:3')).toThrow(FormatError);
    expect(() => checkRecipientKey(encodings[2]!, 'f:3')).toThrow(
      /^f:3: public key is a small-order/,
    );
    expect(() => checkRecipientKey(new Uint8Array(5), 'f:4')).toThrow(
      'f:4: public key must be 32 bytes, got 5',
    );
    expect(() => checkRecipientKey(jsCrypto.boxKeyPair().publicKey, 'f:5')).not.toThrow();
  });
});
