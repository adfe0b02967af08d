/**
 * CborReader on hostile input: every failure is a FormatError (never RangeError, TypeError,
 * a stack overflow or a huge allocation), and trailing bytes follow hbs2's rules.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  CborReader,
  CborWriter,
  MAX_CBOR_DEPTH,
  decodeCborValue,
} from '../../../src/codec/cbor.js';
import { writeHashRef, writeList, writeMaybe } from '../../../src/codec/hbs2.js';
import { FormatError, Hbs2Error } from '../../../src/errors.js';

const unhex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s.replace(/ /g, ''), 'hex'));
const reader = (s: string | Uint8Array): CborReader =>
  new CborReader(typeof s === 'string' ? unhex(s) : s, 'test');

/** Runs `f` and returns the error it throws, failing the test if it does not throw. */
function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error('expected an error');
}

function expectFormatError(f: () => unknown, message?: RegExp): void {
  const e = thrown(f);
  expect(e).toBeInstanceOf(FormatError);
  if (message) expect((e as Error).message).toMatch(message);
}

describe('declared lengths are checked against the input before anything is allocated', () => {
  it('a byte string declaring 2^64-1 bytes (5b ffffffffffffffff)', () => {
    expectFormatError(() => reader('5bffffffffffffffff').value(), /declared length .* exceeds/);
    expectFormatError(() => reader('5bffffffffffffffff00').bytes(), /exceeds the remaining input/);
    expectFormatError(() => reader('7bffffffffffffffff').text());
  });

  it('an array declaring 2^32 - 1 items (9a ffffffff)', () => {
    expectFormatError(() => reader('9affffffff').value(), /at byte 0/);
    expectFormatError(() => reader('9affffffff').arrayLength());
    expectFormatError(() => reader('9affffffff').list((r) => r.uint()));
    expectFormatError(() => reader('9bffffffffffffffff').listStart());
  });

  it('a huge map head', () => {
    expectFormatError(() => reader('bbffffffffffffffff').value());
    expectFormatError(() => reader('baffffffff0000').value());
    expectFormatError(() => reader('bbffffffffffffffff').mapLength());
    // Maps need two items per pair: one pair's worth of input is not enough for two pairs.
    expectFormatError(() => reader('a2 00 00').mapLength());
  });

  it('a string chunk inside an indefinite string declaring too much', () => {
    expectFormatError(() => reader('5f 5affffffff ff').value());
    expectFormatError(() => reader('5f 7f ff ff').value(), /bad chunk/);
    expectFormatError(() => reader('7f 41 00 ff').value(), /bad chunk/);
  });
});

describe('nesting and breaks', () => {
  it('100,000 nested arrays (81 × 100000) through value()', () => {
    const deep = new Uint8Array(100_000).fill(0x81);
    expectFormatError(() => decodeCborValue(deep), /nesting deeper than/);
    // Indefinite and map nesting are bounded too.
    expectFormatError(() => decodeCborValue(new Uint8Array(100_000).fill(0x9f)), /nesting/);
    const maps = new Uint8Array(100_000).fill(0xa1);
    expectFormatError(() => decodeCborValue(maps), /nesting/);
    const tags = new Uint8Array(100_000).fill(0xc6);
    expectFormatError(() => decodeCborValue(tags), /nesting/);
  });

  it('nesting up to the bound is accepted', () => {
    const ok = new Uint8Array(MAX_CBOR_DEPTH + 1).fill(0x81);
    ok[MAX_CBOR_DEPTH] = 0x80;
    expect(() => decodeCborValue(ok)).not.toThrow();
  });

  it('an indefinite list, map or string without a break', () => {
    expectFormatError(() => reader('9f 01 02').value(), /unexpected end of input/);
    expectFormatError(() => reader('9f').list((r) => r.uint()), /unexpected end/);
    expectFormatError(() => reader('bf 01 02').value());
    expectFormatError(() => reader('5f 41 00').value());
  });

  it('a stray break, and indefinite heads where they are not allowed', () => {
    expectFormatError(() => reader('ff').value(), /unexpected break/);
    expectFormatError(() => reader('1f').value(), /indefinite length not allowed/);
    expectFormatError(() => reader('3f').value());
    expectFormatError(() => reader('df 00').value());
    expectFormatError(() => reader('9f ff').arrayLength(), /expected definite array/);
    expectFormatError(() => reader('bf ff').mapLength());
    expectFormatError(() => reader('5f ff').bytes(), /expected byte string/);
    expectFormatError(() => reader('9f ff').maybe((r) => r.uint()));
  });

  it('reserved head bytes 0x1c–0x1e in every major type', () => {
    for (let major = 0; major < 8; major++)
      for (const info of [28, 29, 30])
        expectFormatError(
          () => reader(new Uint8Array([(major << 5) | info, 0, 0])).value(),
          /reserved head byte/,
        );
  });
});

describe('truncation', () => {
  const w = new CborWriter();
  w.array(7).int(0);
  writeHashRef(w, new Uint8Array(32).fill(0xaa));
  w.bytes(new Uint8Array(300).fill(1)).text('grüße');
  writeList(w, [1n, 1n << 40n, 1n << 63n], (x, v) => void x.int(v));
  writeMaybe(w, 'x', (x, v) => void x.text(v));
  w.map(1).int(-1000).byte(0xf5);
  const valid = w.finish().slice();

  it('every proper prefix of a valid value is a FormatError (unexpected end)', () => {
    expect(() => decodeCborValue(valid)).not.toThrow();
    for (let i = 0; i < valid.length; i++)
      expectFormatError(() => decodeCborValue(valid.subarray(0, i)), /unexpected end|exceeds/);
  });

  it('every proper prefix fails through the typed readers as well', () => {
    const typed = (r: CborReader): void => {
      r.record(6, 'thing');
      r.constructorOf({ 0: 1 }, 'ref');
      r.record(1, 'hash');
      r.bytes();
      r.bytes();
      r.text();
    };
    expect(() => typed(reader(valid))).not.toThrow();
    for (let i = 0; i < 80; i++) expectFormatError(() => typed(reader(valid.subarray(0, i))));
  });
});

describe('UTF-8', () => {
  it.each(['62c328', '61ff', '63eda080', '62c0af', '64f4908080'])('invalid text %s', (s) => {
    expectFormatError(() => reader(s).text(), /invalid UTF-8/);
    expectFormatError(() => reader(s).value(), /invalid UTF-8/);
  });

  it('an indefinite text whose chunks split a code point is decoded as a whole', () => {
    expect(reader('7f 61c3 61a9 ff').value()).toBe('é');
  });
});

describe('typed readers refuse wrong types', () => {
  it('record()', () => {
    expectFormatError(
      () => reader('83 00 01 02').record(3, 'rec'),
      /rec constructor 0 has 2 fields, expected 3 at byte 0/,
    );
    expectFormatError(() => reader('83 00 01').record(2, 'rec'), /exceeds the remaining input/);
    expectFormatError(
      () => reader('84 00 01 02 03').record(2, 'rec'),
      /rec constructor 0 has 3 fields, expected 2/,
    );
    expectFormatError(() => reader('83 01 01 02').record(2, 'rec'), /unknown rec constructor 1/);
    expectFormatError(() => reader('a1 00 00').record(0, 'rec'), /expected definite array/);
    expectFormatError(() => reader('83 20 01 02').record(2, 'rec'), /expected unsigned integer/);
    expectFormatError(() => reader('83 1bffffffffffffffff 01 02').record(2, 'rec'), /too large/);
    expectFormatError(() => reader('80').record(0, 'rec'));
    expectFormatError(() => reader('80 00').record(0, 'rec'));
  });

  it('constructorOf()', () => {
    const sum = { 0: 0, 1: 1, 2: 2 };
    expect(reader('8100').constructorOf(sum, 'sum')).toBe(0);
    expect(reader('8201 00').constructorOf(sum, 'sum')).toBe(1);
    expectFormatError(() => reader('8103').constructorOf(sum, 'sum'), /unknown sum constructor 3/);
    expectFormatError(() => reader('8102').constructorOf(sum, 'sum'), /has 0 fields, expected 2/);
    expectFormatError(() => reader('8161').constructorOf(sum, 'sum'), /expected unsigned integer/);
    expectFormatError(() => reader('00').constructorOf(sum, 'sum'), /expected definite array/);
  });

  it('maybe()', () => {
    expectFormatError(() => reader('82 00 00').maybe((r) => r.uint()), /expected Maybe/);
    expectFormatError(() => reader('f6').maybe((r) => r.uint()), /expected definite array/);
    expectFormatError(() => reader('81 61 61').maybe((r) => r.uint()), /expected unsigned integer/);
  });

  it('scalars', () => {
    expectFormatError(() => reader('20').uint(), /expected unsigned integer/);
    expectFormatError(() => reader('41 00').int(), /expected integer/);
    expectFormatError(() => reader('61 61').bytes(), /expected byte string/);
    expectFormatError(() => reader('41 61').text(), /expected text string/);
    expectFormatError(() => reader('').uint(), /unexpected end of input at byte 0/);
    expect(reader('1bffffffffffffffff').uint64()).toBe((1n << 64n) - 1n);
    expect(reader('3bffffffffffffffff').int()).toBe(-(1n << 64n));
    expect(reader('3bffffffffffffffff').value()).toBe(-(1n << 64n));
    expect(reader('3b001ffffffffffffe').value()).toBe(-Number.MAX_SAFE_INTEGER);
  });

  it('list() enforces its maximum for definite and indefinite lists', () => {
    expectFormatError(() => reader('83 01 02 03').list((r) => r.uint(), 2), /longer than 2/);
    expectFormatError(() => reader('9f 01 02 03 ff').list((r) => r.uint(), 2), /longer than 2/);
    expect(reader('9f 01 02 ff').list((r) => r.uint(), 2)).toEqual([1, 2]);
  });

  it('errors name what is decoded and the byte offset', () => {
    expectFormatError(
      () => new CborReader(unhex('0001 61'), 'keyring').record(0, 'x'),
      /^keyring: /,
    );
    const r = reader('01 02 61');
    r.uint();
    r.uint();
    expectFormatError(() => r.uint(), /expected unsigned integer at byte 2$/);
  });
});

describe('trailing bytes', () => {
  it('value() ignores them (as hbs2 does); expectEnd() reports them', () => {
    expect(decodeCborValue(unhex('01 02 03'))).toBe(1);
    const r = reader('82 00 01 ff ff');
    expect(r.value()).toEqual([0, 1]);
    expect(r.remaining).toBe(2);
    expectFormatError(() => r.expectEnd(), /2 unexpected trailing bytes at byte 3/);
    const done = reader('8100');
    done.value();
    expect(() => done.expectEnd()).not.toThrow();
  });
});

/** Bytes biased towards CBOR heads: long lengths, breaks, reserved values, nesting. */
const headByte = fc.oneof(
  fc.constantFrom(0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1f, 0x3b, 0x5b, 0x5f, 0x7b, 0x7f, 0x80, 0x81),
  fc.constantFrom(0x82, 0x84, 0x9a, 0x9b, 0x9f, 0xa1, 0xbb, 0xbf, 0xc2, 0xdb, 0xf9, 0xfb, 0xff),
  fc.integer({ min: 0, max: 255 }),
);
const cborish = fc.array(fc.oneof(headByte, fc.constant(0xff), fc.constant(0x00)), {
  maxLength: 64,
});

describe('property: any bytes → a value or a FormatError', () => {
  const run = (bytes: Uint8Array | number[]): void => {
    const data = bytes instanceof Uint8Array ? bytes : Uint8Array.from(bytes);
    for (const f of [
      () => decodeCborValue(data),
      () => reader(data).list((r) => r.value()),
      () => reader(data).maybe((r) => r.text()),
      () => reader(data).constructorOf({ 0: 0, 1: 2 }, 'x'),
      () => {
        const r = reader(data);
        r.record(2, 'r');
        r.bytes();
        r.int();
      },
    ]) {
      try {
        f();
      } catch (e) {
        if (!(e instanceof FormatError)) throw e;
        expect(e).toBeInstanceOf(Hbs2Error);
      }
    }
  };

  it('uniform random bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), run), { numRuns: 3000 });
  });

  it('bytes biased to CBOR heads', () => {
    fc.assert(fc.property(cborish, run), { numRuns: 4000 });
  });

  it('valid values with one byte mutated', () => {
    const w = new CborWriter();
    w.array(3).int(0).bytes(new Uint8Array(40)).text('abc');
    writeList(w, [1, 2, 3], (x, v) => void x.int(v));
    const base = w.finish().slice();
    fc.assert(
      fc.property(fc.nat(base.length - 1), fc.integer({ min: 0, max: 255 }), (i, b) => {
        const m = base.slice();
        m[i] = b;
        run(m);
      }),
      { numRuns: 2000 },
    );
  });
});
