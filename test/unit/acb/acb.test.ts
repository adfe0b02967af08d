import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { encodeBase58 } from '../../../src/codec/base58.js';
import { FormatError, Hbs2Error } from '../../../src/errors.js';
import {
  decodeAcb,
  emptyAcb,
  encodeAcb,
  formatAcbDsl,
  formatAcbText,
  isWriterAuthorised,
  mergeAcb,
  mergeAcbs,
  parseAcbDsl,
  parseAcbDslOrFile,
  parseAcbFile,
  readersFromAcbFile,
  summarizeAcb,
  writerStatus,
  type Acb,
} from '../../../src/acb/index.js';

const key = (n: number) => new Uint8Array(32).fill(n);
const b58 = (n: number) => encodeBase58(key(n));
const hexOf = (b: Uint8Array) => Buffer.from(b).toString('hex');
const K = (n: number) => `82005820${hexOf(key(n))}`;

describe('ACB binary codec', () => {
  it('encodes the empty ACB as hbs2 does', () => {
    expect(hexOf(encodeAcb(emptyAcb()))).toBe('86008080808080');
  });

  it('encodes an ACB without ranges exactly as hbs2 ACB1 (no extension items)', () => {
    const acb: Acb = {
      root: key(1),
      owners: [key(2)],
      readers: [key(3), key(4)],
      writers: [{ key: key(5), ranges: [] }],
      prev: key(9),
    };
    const expected =
      '8600' +
      `81${K(1)}` +
      `9f${K(2)}ff` +
      `9f${K(3)}${K(4)}ff` +
      `9f${K(5)}ff` +
      `81 8200 ${K(9)}`;
    expect(hexOf(encodeAcb(acb))).toBe(expected.replace(/ /g, ''));
    expect(decodeAcb(encodeAcb(acb))).toEqual(acb);
  });

  it('appends version 2 and the ranges when a writer is time-limited', () => {
    const acb: Acb = {
      ...emptyAcb(),
      writers: [
        { key: key(5), ranges: [] },
        { key: key(6), ranges: [{ from: 1000, to: -1 }] },
      ],
    };
    const bytes = encodeAcb(acb);
    const record = '8600' + '80' + '80' + '80' + `9f${K(5)}${K(6)}ff` + '80';
    expect(hexOf(bytes)).toBe(record + '02' + `9f83${K(6)}1903e820ff`);
    expect(decodeAcb(bytes)).toEqual(acb);
  });

  it('ignores trailing items other than version 2, like hbs2', () => {
    const plain = encodeAcb({ ...emptyAcb(), readers: [key(3)] });
    for (const tail of ['01', '03', 'ff', 'a0', '6161']) {
      const withTail = new Uint8Array([...plain, ...Buffer.from(tail, 'hex')]);
      expect(decodeAcb(withTail).readers).toEqual([key(3)]);
    }
  });

  it('rejects a range for a key that is not a writer, and empty ranges', () => {
    const base = hexOf(encodeAcb(emptyAcb()));
    const notWriter = Buffer.from(base + `029f83${K(6)}0105ff`, 'hex');
    expect(() => decodeAcb(notWriter)).toThrow(/not a writer/);
    const acb = encodeAcb({ ...emptyAcb(), writers: [{ key: key(6), ranges: [] }] });
    const empty = Buffer.from(hexOf(acb) + `029f83${K(6)}0505ff`, 'hex');
    expect(() => decodeAcb(empty)).toThrow(FormatError);
  });

  it('any bytes give an ACB or an Hbs2Error', () => {
    const sample = encodeAcb({
      root: key(1),
      owners: [key(2)],
      readers: [key(3)],
      writers: [{ key: key(5), ranges: [{ from: 10, to: 20 }] }],
      prev: key(9),
    });
    const check = (data: Uint8Array) => {
      try {
        parseAcbFile(data, 'fuzz');
      } catch (e) {
        expect(e).toBeInstanceOf(Hbs2Error);
      }
    };
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), check), { numRuns: 500 });
    fc.assert(
      fc.property(fc.nat(sample.length - 1), fc.integer({ min: 0, max: 255 }), (i, b) => {
        const m = new Uint8Array(sample);
        m[i] = b;
        check(m);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('ACB monoid', () => {
  const arbKey = fc.integer({ min: 1, max: 6 }).map(key);
  const arbRange = fc
    .tuple(fc.integer({ min: -1, max: 50 }), fc.integer({ min: -1, max: 50 }))
    .filter(([f, t]) => f === -1 || t === -1 || f < t)
    .map(([from, to]) => ({ from, to }));
  const arbAcb: fc.Arbitrary<Acb> = fc.record({
    root: fc.option(arbKey, { nil: null }),
    owners: fc.uniqueArray(arbKey, { selector: hexOf, maxLength: 3 }),
    readers: fc.uniqueArray(arbKey, { selector: hexOf, maxLength: 3 }),
    writers: fc.uniqueArray(
      fc.record({ key: arbKey, ranges: fc.array(arbRange, { maxLength: 2 }) }),
      { selector: (w) => hexOf(w.key), maxLength: 3 },
    ),
    prev: fc.option(arbKey, { nil: null }),
  });

  it('is associative with emptyAcb as identity (compared as bytes)', () => {
    fc.assert(
      fc.property(arbAcb, arbAcb, arbAcb, (a, b, c) => {
        const na = mergeAcb(a, emptyAcb());
        expect(encodeAcb(mergeAcb(emptyAcb(), na))).toEqual(encodeAcb(na));
        expect(encodeAcb(mergeAcb(mergeAcb(a, b), c))).toEqual(
          encodeAcb(mergeAcb(a, mergeAcb(b, c))),
        );
      }),
    );
  });

  it('keeps a root and prev from the left, unions lists keeping first occurrences', () => {
    const a: Acb = { ...emptyAcb(), root: key(1), readers: [key(3)], prev: null };
    const b: Acb = { ...emptyAcb(), root: key(2), readers: [key(4), key(3)], prev: key(9) };
    const m = mergeAcbs([a, b]);
    expect(m.root).toEqual(key(1));
    expect(m.readers).toEqual([key(3), key(4)]);
    expect(m.prev).toEqual(key(9));
  });

  it('merged authority is the union of both sides', () => {
    fc.assert(
      fc.property(arbAcb, arbAcb, arbKey, fc.integer({ min: -5, max: 60 }), (a, b, k, t) => {
        const either = isWriterAuthorised(a, k, t) || isWriterAuthorised(b, k, t);
        expect(isWriterAuthorised(mergeAcb(a, b), k, t)).toBe(either);
      }),
    );
  });
});

describe('writer authorisation', () => {
  const acb: Acb = {
    ...emptyAcb(),
    writers: [
      { key: key(1), ranges: [] },
      {
        key: key(2),
        ranges: [
          { from: 1000, to: 2000 },
          { from: 3000, to: -1 },
        ],
      },
      { key: key(3), ranges: [{ from: -1, to: 100 }] },
    ],
  };
  it('honours ranges: from inclusive, to exclusive, -1 unbounded, union of ranges', () => {
    expect(isWriterAuthorised(acb, key(1), 0)).toBe(true);
    expect(isWriterAuthorised(acb, key(2), 999)).toBe(false);
    expect(isWriterAuthorised(acb, key(2), 1000)).toBe(true);
    expect(isWriterAuthorised(acb, key(2), 1999)).toBe(true);
    expect(isWriterAuthorised(acb, key(2), 2000)).toBe(false);
    expect(isWriterAuthorised(acb, key(2), 10 ** 12)).toBe(true);
    expect(isWriterAuthorised(acb, key(3), -50)).toBe(true);
    expect(isWriterAuthorised(acb, key(3), 100)).toBe(false);
    expect(isWriterAuthorised(acb, key(4), 0)).toBe(false);
  });

  it('says why a key may not write: outside its ranges, or no writer at all', () => {
    expect(writerStatus(acb, key(1), 5)).toBe('authorised');
    expect(writerStatus(acb, key(2), 2500)).toBe('outside-ranges');
    expect(writerStatus(acb, key(3), 100)).toBe('outside-ranges');
    expect(writerStatus(acb, key(4), 0)).toBe('not-a-writer');
  });

  it('summarizes an ACB in base58, each writer once with its ranges united', () => {
    const twice: Acb = {
      ...acb,
      root: key(9),
      readers: [key(7)],
      writers: [...acb.writers, { key: key(3), ranges: [{ from: 500, to: 600 }] }],
    };
    expect(summarizeAcb(twice)).toEqual({
      root: b58(9),
      owners: [],
      readers: [b58(7)],
      writers: [
        { key: b58(1), ranges: [] },
        {
          key: b58(2),
          ranges: [
            { from: 1000, to: 2000 },
            { from: 3000, to: -1 },
          ],
        },
        {
          key: b58(3),
          ranges: [
            { from: -1, to: 100 },
            { from: 500, to: 600 },
          ],
        },
      ],
      prev: null,
    });
  });
});

describe('ACB DSL', () => {
  const dsl = [
    'define-acb a1 ; the local id',
    `acb-root a1 "${b58(1)}"`,
    `acb-owner a1 "${b58(2)}"`,
    `acb-reader a1 "${b58(3)}"`,
    `(acb-reader a1 "${b58(4)}") ; in parentheses`,
    `acb-writer a1 "${b58(5)}"`,
    `acb-writer a1 "${b58(6)}" :from 1000 :to 2000`,
    `acb-reader other "${b58(7)}"`,
    `acb-prev a1 "${b58(9)}"`,
    '',
  ].join('\n');

  it('parses every form, ignoring other local ids', () => {
    const acb = parseAcbDsl(dsl, 'acb.cfg');
    expect(acb.root).toEqual(key(1));
    expect(acb.owners).toEqual([key(2)]);
    expect(acb.readers).toEqual([key(3), key(4)]);
    expect(acb.writers).toEqual([
      { key: key(5), ranges: [] },
      { key: key(6), ranges: [{ from: 1000, to: 2000 }] },
    ]);
    expect(acb.prev).toEqual(key(9));
    expect(hexOf(encodeAcb(acb)).startsWith('8600')).toBe(true);
  });

  it('dump prints the fields in order, and gen of the dump gives identical bytes', () => {
    const acb = parseAcbDsl(dsl, 'acb.cfg');
    const dumped = formatAcbDsl(acb);
    expect(dumped).toBe(
      [
        'define-acb a1',
        `acb-root a1 "${b58(1)}"`,
        `acb-owner a1 "${b58(2)}"`,
        `acb-reader a1 "${b58(3)}"`,
        `acb-reader a1 "${b58(4)}"`,
        `acb-writer a1 "${b58(5)}"`,
        `acb-writer a1 "${b58(6)}" :from 1000 :to 2000`,
        `acb-prev a1 "${b58(9)}"`,
        '',
      ].join('\n'),
    );
    expect(encodeAcb(parseAcbDsl(dumped, 'dump'))).toEqual(encodeAcb(acb));
  });

  it('gen(dump(x)) reproduces the bytes of any ACB without duplicate writers', () => {
    const arbKey = fc.integer({ min: 1, max: 255 }).map(key);
    const arbRange = fc
      .tuple(fc.integer({ min: -1, max: 2 ** 40 }), fc.integer({ min: -1, max: 2 ** 40 }))
      .filter(([f, t]) => f === -1 || t === -1 || f < t)
      .map(([from, to]) => ({ from, to }));
    const arbAcb = fc.record({
      root: fc.option(arbKey, { nil: null }),
      owners: fc.uniqueArray(arbKey, { selector: hexOf, maxLength: 3 }),
      readers: fc.uniqueArray(arbKey, { selector: hexOf, maxLength: 3 }),
      writers: fc.uniqueArray(
        fc.record({
          key: arbKey,
          ranges: fc.uniqueArray(arbRange, { selector: (r) => `${r.from}:${r.to}`, maxLength: 3 }),
        }),
        { selector: (w) => hexOf(w.key), maxLength: 3 },
      ),
      prev: fc.option(arbKey, { nil: null }),
    });
    fc.assert(
      fc.property(arbAcb, (acb) => {
        const bytes = encodeAcb(acb);
        expect(encodeAcb(parseAcbDsl(formatAcbDsl(decodeAcb(bytes)), 'x'))).toEqual(bytes);
        expect(parseAcbFile(new TextEncoder().encode(formatAcbText(acb)), 'x')).toEqual(
          decodeAcb(bytes),
        );
      }),
    );
  });

  it('an unranged line for a writer makes it always authorised', () => {
    const text = `define-acb a\nacb-writer a "${b58(5)}" :from 1 :to 2\nacb-writer a "${b58(5)}"\n`;
    expect(parseAcbDsl(text, 'f').writers).toEqual([{ key: key(5), ranges: [] }]);
  });

  it('reports a bad key with file and line, without echoing it', () => {
    const secretish = '3yZe7d' + 'x'.repeat(10);
    for (const bad of [`"${secretish}"`, `"${secretish}0OIl"`, '"abc"']) {
      const text = `define-acb a1\nacb-reader a1 ${bad}\n`;
      let err: unknown;
      try {
        parseAcbDsl(text, 'my.cfg');
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(FormatError);
      const msg = (err as Error).message;
      expect(msg).toMatch(/^my\.cfg:2: /);
      expect(msg).not.toContain(secretish);
    }
  });

  it('reports malformed lines with their line numbers', () => {
    const cases: [string, number][] = [
      [`define-acb a1\n\nacb-writer a1 "${b58(5)}" :from x\n`, 3],
      [`define-acb a1\nacb-writer a1 "${b58(5)}" :from 5 :to 5\n`, 2],
      [`define-acb a1\nacb-owner a1\n`, 2],
      [`define-acb a1\n(acb-owner a1 "${b58(2)}"\n`, 2],
      [`define-acb a1\nacb-frobnicate a1 "${b58(2)}"\n`, 2],
      [`define-acb a1\nacb-root a1 "${b58(1)}"\nacb-root a1 "${b58(2)}"\n`, 3],
      [`define-acb a1\nacb-owner a1 "unterminated\n`, 2],
    ];
    for (const [text, line] of cases)
      expect(() => parseAcbDsl(text, 'f')).toThrow(new RegExp(`^f:${line}: `));
    expect(() => parseAcbDsl(`acb-owner a1 "${b58(2)}"\n`, 'f')).toThrow(/no define-acb/);
  });

  it('readersFromAcbFile returns the readers of a raw or text ACB file', () => {
    const acb = parseAcbDsl(dsl, 'acb.cfg');
    expect(readersFromAcbFile(encodeAcb(acb), 'f')).toEqual([key(3), key(4)]);
    expect(readersFromAcbFile(new TextEncoder().encode(formatAcbText(acb)), 'f')).toEqual([
      key(3),
      key(4),
    ]);
  });

  it('parseAcbDslOrFile reads the DSL, the raw file and the base58 file alike', () => {
    const acb = parseAcbDsl(dsl, 'acb.cfg');
    const bytes = (t: string) => new TextEncoder().encode(t);
    expect(encodeAcb(parseAcbDslOrFile(bytes(dsl), 'acb.cfg'))).toEqual(encodeAcb(acb));
    // A DSL whose define-acb follows comment lines is still the DSL.
    expect(encodeAcb(parseAcbDslOrFile(bytes(`; team\n\n${dsl}`), 'c'))).toEqual(encodeAcb(acb));
    expect(encodeAcb(parseAcbDslOrFile(encodeAcb(acb), 'raw.acb'))).toEqual(encodeAcb(acb));
    expect(encodeAcb(parseAcbDslOrFile(bytes(formatAcbText(acb)), 'text.acb'))).toEqual(
      encodeAcb(acb),
    );
    expect(() => parseAcbDslOrFile(bytes('acb-reader a1 "x"\n'), 'bad.cfg')).toThrow(FormatError);
  });

  it('any text gives an ACB or an Hbs2Error', () => {
    const pieces = fc.constantFrom(
      'define-acb a1',
      'acb-writer',
      'acb-reader',
      'acb-root',
      'a1',
      `"${b58(3)}"`,
      ':from',
      ':to',
      '-1',
      '12',
      '(',
      ')',
      ';',
      '"',
      '\n',
      ' ',
    );
    const check = (s: string) => {
      try {
        parseAcbDsl(s, 'fuzz');
      } catch (e) {
        expect(e).toBeInstanceOf(Hbs2Error);
      }
    };
    fc.assert(
      fc.property(fc.array(pieces, { maxLength: 30 }), (p) => check(p.join(' '))),
      { numRuns: 500 },
    );
    fc.assert(fc.property(fc.string({ maxLength: 300 }), check), { numRuns: 300 });
  });
});

describe('DSL tokenizer on Unicode whitespace', () => {
  // Regression: a whitespace character the tokenizer did not skip (NBSP, U+2028, …)
  // stopped the atom scanner without consuming it, looping forever until out of memory.
  it('treats every Unicode whitespace as a separator', () => {
    for (const ws of ['\u00a0', '\u2028', '\u3000', '\ufeff']) {
      const acb = parseAcbDsl(`define-acb${ws}a1\n`, 'ws.cfg');
      expect(acb.root).toBeNull();
    }
  });
});
