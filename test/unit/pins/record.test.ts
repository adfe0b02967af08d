/** Pin records and pin ref keys: the byte rule of docs/formats.md §4 and its vector. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FormatError } from '../../../src/errors.js';
import {
  decodePinRecord,
  encodePinRecord,
  checkPinName,
  MAX_PIN_NAME_BYTES,
  pinNameFrom,
  pinOfRef,
  pinRefKey,
  summarizePin,
  type PinRecord,
} from '../../../src/pins/index.js';
import { lwwRefKeyHash } from '../../../src/refs/index.js';
import { hashBlock, hashToString, parseHash } from '../../../src/store/hash.js';

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const VECTOR: PinRecord = {
  name: 'hello.txt',
  root: parseHash('FMqApxg8fAWSnamHHwHX3hCSXvDFZe1UoqpPmfeCvtu9'),
  size: 11,
  date: 1767225600,
};

describe('pin record', () => {
  it('encodes the docs/formats.md §4 vector byte for byte', () => {
    const bytes = encodePinRecord(VECTOR);
    expect(hex(bytes)).toBe(
      '866a68627332746b2d70696e016968656c6c6f2e7478745820d559b2d0beb73516f2b1d7d62188c3fff4f4a5368dca16cf0ecfaf999e3dbb940b1a6955b900',
    );
    expect(hashToString(hashBlock(bytes))).toBe('7Ks6tTUSHf5pR6LUXJDYZfu73AmA2es7A18Y3j91Gxby');
    expect(hashToString(pinRefKey('hello.txt'))).toBe(
      'CoyCXVJJKjw3ozmWNmQazCfZyX79ucy1xQkr6j1t1kVe',
    );
    expect(decodePinRecord(bytes)).toEqual(VECTOR);
  });

  it('round-trips any valid record', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 60 }).filter((s) => !CONTROL.test(s)),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.nat(),
        fc.nat(),
        (name, root, size, date) => {
          const pin = { name, root, size, date };
          expect(decodePinRecord(encodePinRecord(pin))).toEqual(pin);
        },
      ),
    );
  });

  it('refuses bad names, trailing bytes and other blocks', () => {
    for (const name of ['', 'a\nb', 'x'.repeat(256), '\u001b[2J'])
      expect(() => pinRefKey(name)).toThrow(FormatError);
    const bytes = encodePinRecord(VECTOR);
    expect(() => decodePinRecord(new Uint8Array([...bytes, 0]))).toThrow(FormatError);
    expect(() => decodePinRecord(new TextEncoder().encode('hello'))).toThrow(FormatError);
    const otherVersion = bytes.slice();
    otherVersion[12] = 0x02;
    expect(() => decodePinRecord(otherVersion)).toThrow(/version 2/);
  });

  it('counts only under its own name’s key, which no hbs2 ref key equals', () => {
    const bytes = encodePinRecord(VECTOR);
    expect(pinOfRef(pinRefKey('hello.txt'), bytes)).toEqual(VECTOR);
    expect(pinOfRef(pinRefKey('other'), bytes)).toBeNull();
    expect(pinOfRef(pinRefKey('hello.txt'), new Uint8Array([1, 2, 3]))).toBeNull();
    // An LWW ref key of the same 32 bytes as a name's UTF-8 is another hash.
    const pk = new TextEncoder().encode('x'.repeat(32));
    expect(hex(lwwRefKeyHash(pk))).not.toBe(hex(pinRefKey('x'.repeat(32))));
  });
});

describe('pinNameFrom', () => {
  it('keeps a plain file name; replaces control characters; empty is stdin', () => {
    expect(pinNameFrom('report.pdf')).toBe('report.pdf');
    expect(pinNameFrom('a\nb\u0085c')).toBe('a?b?c');
    expect(pinNameFrom('')).toBe('stdin');
  });

  it('cuts a long name at a character boundary to the longest allowed', () => {
    const name = pinNameFrom('é'.repeat(200)); // 400 bytes
    expect(new TextEncoder().encode(name).length).toBe(254);
    expect(name).toBe('é'.repeat(127));
  });

  it('makes a name checkPinName accepts out of any base name', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (base) => {
        const name = pinNameFrom(base);
        expect(() => checkPinName(name)).not.toThrow();
        expect(new TextEncoder().encode(name).length).toBeLessThanOrEqual(MAX_PIN_NAME_BYTES);
      }),
      { numRuns: 50 },
    );
  });
});

describe('summarizePin', () => {
  it('shows the root in base58 and the date in ISO 8601 (UTC)', () => {
    expect(summarizePin(VECTOR)).toEqual({
      name: 'hello.txt',
      root: 'FMqApxg8fAWSnamHHwHX3hCSXvDFZe1UoqpPmfeCvtu9',
      size: 11,
      date: '2026-01-01T00:00:00.000Z',
    });
  });
});
