/** CborWriter and the hbs2 shapes: minimal heads at every width boundary, spec examples. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CborReader, CborWriter } from '../../../src/codec/cbor.js';
import {
  readHash,
  readHashRef,
  readNewtypeBytes,
  writeHash,
  writeHashRef,
  writeList,
  writeMaybe,
  writeNewtypeBytes,
} from '../../../src/codec/hbs2.js';
import { FormatError } from '../../../src/errors.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const unhex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s.replace(/ /g, ''), 'hex'));
const w = (): CborWriter => new CborWriter();

describe('minimal heads', () => {
  const cases: [number | bigint, string][] = [
    [0, '00'],
    [23, '17'],
    [24, '1818'],
    [255, '18ff'],
    [256, '190100'],
    [65535, '19ffff'],
    [65536, '1a00010000'],
    [0xffffffff, '1affffffff'],
    [0x100000000, '1b0000000100000000'],
    [Number.MAX_SAFE_INTEGER, '1b001fffffffffffff'],
    [(1n << 64n) - 1n, '1bffffffffffffffff'],
  ];
  it.each(cases)('unsigned %s → %s', (v, expected) => {
    expect(hex(w().int(v).finish())).toBe(expected);
    // The same widths apply to every major type (here: array heads, major 4).
    if (BigInt(v) <= BigInt(Number.MAX_SAFE_INTEGER)) {
      const first = (parseInt(expected.slice(0, 2), 16) | 0x80).toString(16);
      expect(hex(w().array(Number(v)).finish())).toBe(first + expected.slice(2));
    }
  });

  it('numbers and bigints give the same bytes', () => {
    fc.assert(
      fc.property(fc.maxSafeNat(), (n) => {
        expect(hex(w().int(n).finish())).toBe(hex(w().int(BigInt(n)).finish()));
      }),
    );
  });

  it('keys spec §1.1 examples: (2 :: Integer) → 02; 1700000000 → 1a 6553f100', () => {
    expect(hex(w().int(2).finish())).toBe('02');
    expect(hex(w().int(1700000000).finish())).toBe('1a6553f100');
  });

  it('negative integers use major type 1 with −1−n', () => {
    expect(hex(w().int(-1).finish())).toBe('20');
    expect(hex(w().int(-24).finish())).toBe('37');
    expect(hex(w().int(-25).finish())).toBe('3818');
    expect(hex(w().int(-256).finish())).toBe('38ff');
    expect(hex(w().int(-257).finish())).toBe('390100');
    expect(hex(w().int(-65537).finish())).toBe('3a00010000');
    expect(
      hex(
        w()
          .int(-(1n << 64n))
          .finish(),
      ),
    ).toBe('3bffffffffffffffff');
  });

  it('refuses values a head cannot hold', () => {
    expect(() => w().int(1n << 64n)).toThrow(RangeError);
    expect(() => w().int(-(1n << 64n) - 1n)).toThrow(RangeError);
    expect(() => w().head(0, -1)).toThrow(RangeError);
  });

  it('every integer round-trips through the reader with the shortest head', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(1n << 64n), max: (1n << 64n) - 1n }), (v) => {
        const bytes = w().int(v).finish();
        const a = v < 0n ? -1n - v : v;
        const expectedLen = a < 24n ? 1 : a < 256n ? 2 : a < 65536n ? 3 : a < 1n << 32n ? 5 : 9;
        expect(bytes.length).toBe(expectedLen);
        const r = new CborReader(bytes);
        expect(r.int()).toBe(v);
        r.expectEnd();
      }),
      { numRuns: 2000 },
    );
  });
});

describe('strings', () => {
  it('byte strings at the length boundaries', () => {
    for (const [len, head] of [
      [0, '40'],
      [23, '57'],
      [24, '5818'],
      [32, '5820'],
      [255, '58ff'],
      [256, '590100'],
      [65535, '59ffff'],
      [65536, '5a00010000'],
    ] as const) {
      const out = w().bytes(new Uint8Array(len).fill(7)).finish();
      expect(hex(out.subarray(0, head.length / 2)), `len ${len}`).toBe(head);
      expect(out.length).toBe(head.length / 2 + len);
      expect(hex(new CborReader(out).bytes())).toBe('07'.repeat(len));
    }
  });

  it('text is definite UTF-8 (major 3)', () => {
    expect(hex(w().text('').finish())).toBe('60');
    expect(hex(w().text('laptop').finish())).toBe('666c6170746f70');
    expect(hex(w().text('é').finish())).toBe('62c3a9');
    expect(hex(w().text('x'.repeat(24)).finish())).toBe('7818' + '78'.repeat(24));
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }), (s) => {
        const r = new CborReader(w().text(s).finish());
        expect(r.text()).toBe(s);
        r.expectEnd();
      }),
    );
  });

  it('text keeps a leading byte order mark (U+FEFF) on the way back', () => {
    const bytes = w().text('\ufeffhi').finish();
    expect(hex(bytes)).toBe('65efbbbf6869');
    expect(new CborReader(bytes).text()).toBe('\ufeffhi');
    expect(new CborReader(bytes).value()).toBe('\ufeffhi');
  });
});

describe('containers and hbs2 shapes', () => {
  it('indefinite list 9f … ff; empty list 80 (writeList)', () => {
    const item = (x: CborWriter, v: number): void => void x.int(v);
    expect(hex(writeList(w(), [], item).finish())).toBe('80');
    expect(hex(writeList(w(), [1], item).finish())).toBe('9f01ff');
    expect(hex(writeList(w(), [1, 2, 300], item).finish())).toBe('9f010219012cff');
    const r = new CborReader(writeList(w(), [1, 2, 300], item).finish());
    expect(r.list((x) => x.uint())).toEqual([1, 2, 300]);
    expect(new CborReader(unhex('83010203')).list((x) => x.uint())).toEqual([1, 2, 3]);
  });

  it('Maybe: 80 for Nothing, 81 x for Just x', () => {
    const item = (x: CborWriter, s: string): void => void x.text(s);
    expect(hex(writeMaybe(w(), null, item).finish())).toBe('80');
    expect(hex(writeMaybe(w(), undefined, item).finish())).toBe('80');
    expect(hex(writeMaybe(w(), 'laptop', item).finish())).toBe('81666c6170746f70');
    expect(new CborReader(unhex('80')).maybe((r) => r.text())).toBeNull();
    expect(new CborReader(unhex('81666c6170746f70')).maybe((r) => r.text())).toBe('laptop');
    expect(new CborReader(unhex('8100')).maybe((r) => r.uint())).toBe(0);
  });

  it('newtype over bytes is 82 00 58 20 <32>; Hash is 36 bytes, HashRef 38 bytes', () => {
    const h = new Uint8Array(32).map((_, i) => i);
    const nt = writeNewtypeBytes(w(), h).finish();
    expect(hex(nt)).toBe('82005820' + hex(h));
    expect(hex(writeHash(w(), h).finish())).toBe(hex(nt));
    expect(writeHash(w(), h).finish().length).toBe(36);
    const ref = writeHashRef(w(), h).finish();
    expect(ref.length).toBe(38);
    expect(hex(ref)).toBe('820082005820' + hex(h));
    expect(hex(readHashRef(new CborReader(ref)))).toBe(hex(h));
    expect(hex(readHash(new CborReader(nt)))).toBe(hex(h));
    // Nonce (24 bytes) and secret key (64 bytes) newtypes.
    expect(hex(writeNewtypeBytes(w(), new Uint8Array(24)).finish()).slice(0, 8)).toBe('82005818');
    expect(hex(writeNewtypeBytes(w(), new Uint8Array(64)).finish()).slice(0, 8)).toBe('82005840');
  });

  it('readers of fixed-size newtypes check the length and name the field', () => {
    const short = writeNewtypeBytes(w(), new Uint8Array(31)).finish();
    expect(() => readHash(new CborReader(short, 'block'), 'tree hash')).toThrow(
      /block: tree hash must be 32 bytes, got 31 at byte 0/,
    );
    expect(hex(readNewtypeBytes(new CborReader(short), 'any'))).toBe('00'.repeat(31));
    // A Hash where a HashRef is expected (one 82 00 missing) is refused.
    const bare = writeHash(w(), new Uint8Array(32)).finish();
    expect(() => readHashRef(new CborReader(bare))).toThrow(FormatError);
    expect(() => readHashRef(new CborReader(bare))).toThrow(/expected definite array at byte 2/);
  });

  it('generic records: 84 00 … for three fields, 81 00 for none', () => {
    const rec = w()
      .array(4)
      .int(0)
      .int(1)
      .text('a')
      .bytes(new Uint8Array([9]))
      .finish();
    expect(hex(rec)).toBe('8400016161' + '4109');
    const r = new CborReader(rec);
    r.record(3, 'rec');
    expect([r.uint(), r.text(), hex(r.bytes())]).toEqual([1, 'a', '09']);
    r.expectEnd();
    const unit = new CborReader(unhex('8100'));
    unit.record(0, 'unit');
    unit.expectEnd();
  });

  it('the writer grows past its initial size', () => {
    const x = new CborWriter(1);
    for (let i = 0; i < 1000; i++) x.int(0x10000 + i);
    const out = x.finish();
    expect(out.length).toBe(5000);
    const r = new CborReader(out);
    for (let i = 0; i < 1000; i++) expect(r.uint()).toBe(0x10000 + i);
  });

  it('maps, booleans, unit and tags read back through value()', () => {
    const bytes = w().map(2).int(1).byte(0xf5).text('k').byte(0xf6).finish();
    expect(hex(bytes)).toBe('a201f5616bf6');
    const v = new CborReader(bytes).value() as Map<unknown, unknown>;
    expect(v.get(1)).toBe(true);
    expect(v.get('k')).toBeNull();
    expect(new CborReader(unhex('c24101')).value()).toEqual({ tag: 2, value: unhex('01') });
    expect(new CborReader(unhex('f4')).value()).toBe(false);
    expect(new CborReader(unhex('f7')).value()).toBeUndefined();
  });
});
