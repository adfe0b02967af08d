import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Hbs2Error, FormatError } from '../../../src/errors.js';
import { decodeMTree, encodeMTree, type MTree } from '../../../src/tree/node.js';
import {
  decodeMTreeAnn,
  encodeMTreeAnn,
  type AnnMetaData,
  type MTreeEncryption,
} from '../../../src/tree/annotation.js';
import {
  decodeAnnotatedHashRef,
  decodeSequentialRef,
  encodeAnnotatedHashRef,
  encodeSequentialRef,
} from '../../../src/tree/refs.js';
import { decodeTreeBlock, detectBlock } from '../../../src/tree/detect.js';

const hash = fc.uint8Array({ minLength: 32, maxLength: 32 });
const tree: fc.Arbitrary<MTree> = fc.oneof(
  fc.record({ type: fc.constant('leaf' as const), hashes: fc.array(hash, { maxLength: 20 }) }),
  fc.record({
    type: fc.constant('node' as const),
    height: fc.nat(1_000_000),
    children: fc.array(hash, { maxLength: 20 }),
  }),
);
const meta: fc.Arbitrary<AnnMetaData> = fc.oneof(
  fc.constant({ kind: 'none' as const }),
  fc.record({ kind: fc.constant('short' as const), text: fc.string({ unit: 'grapheme' }) }),
  fc.record({ kind: fc.constant('ref' as const), hash }),
);
const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
const crypt: fc.Arbitrary<MTreeEncryption> = fc.oneof(
  fc.constant({ kind: 'null' as const }),
  fc.record({ kind: fc.constant('asymm' as const), accessKey: hash }),
  fc.record({
    kind: fc.constant('symm1' as const),
    groupKey: hash,
    nonce: fc.uint8Array({ maxLength: 40 }),
  }),
  fc.record({
    kind: fc.constant('symm2' as const),
    opts: fc.record({ a: u64, b: u64 }),
    groupKey: hash,
    nonce: fc.uint8Array({ maxLength: 40 }),
  }),
);

/** Any bytes into `decode` give a value or a FormatError, never another exception. */
function total(decode: (b: Uint8Array) => unknown): void {
  const interesting = fc.oneof(
    fc.uint8Array({ maxLength: 200 }),
    // Prefixes that look like the real shapes, with random tails.
    fc
      .tuple(
        fc.constantFrom(
          [0x82, 0x01, 0x9f],
          [0x83, 0x00, 0x82, 0x00],
          [0x84, 0x00],
          [0x83, 0x00, 0x81],
        ),
        fc.uint8Array({ maxLength: 120 }),
      )
      .map(([p, t]) => Uint8Array.from([...p, ...t])),
  );
  fc.assert(
    fc.property(interesting, (bytes) => {
      try {
        decode(bytes);
      } catch (e) {
        expect(e).toBeInstanceOf(FormatError);
      }
    }),
    { numRuns: 2000 },
  );
}

describe('tree node codec (§3.1)', () => {
  it('encodes the empty root, leaves and nodes byte for byte', () => {
    const hex = (t: MTree) => Buffer.from(encodeMTree(t)).toString('hex');
    expect(hex({ type: 'node', height: 0, children: [] })).toBe('830082000080');
    expect(hex({ type: 'leaf', hashes: [] })).toBe('820180');
    const h = new Uint8Array(32).fill(0xab);
    expect(hex({ type: 'leaf', hashes: [h] })).toBe('82019f820082005820' + 'ab'.repeat(32) + 'ff');
    expect(hex({ type: 'node', height: 300, children: [h] })).toBe(
      '8300820019012c9f825820'.replace('9f825820', '9f82005820') + 'ab'.repeat(32) + 'ff',
    );
  });

  it('round-trips', () => {
    fc.assert(
      fc.property(tree, (t) => {
        expect(decodeMTree(encodeMTree(t))).toEqual(t);
      }),
    );
  });

  it('accepts definite lists, rejects trailing bytes, short hashes and oversized lists', () => {
    const h = 'ab'.repeat(32);
    const definite = Buffer.from(`820181820082005820${h}`, 'hex');
    expect(decodeMTree(definite)).toEqual({
      type: 'leaf',
      hashes: [new Uint8Array(32).fill(0xab)],
    });
    expect(() => decodeMTree(Buffer.from('83008200008000', 'hex'))).toThrow(/trailing/);
    expect(() => decodeMTree(Buffer.from('82019f82008200410aff', 'hex'))).toThrow(/32 bytes/);
    const node257 = Buffer.concat([
      Buffer.from('8300820001990101', 'hex'),
      ...Array.from({ length: 257 }, () =>
        Buffer.from(`825820${h}`.replace('825820', '82005820'), 'hex'),
      ),
    ]);
    expect(() => decodeMTree(node257)).toThrow(/longer than 256/);
    const leaf1025 = Buffer.concat([
      Buffer.from('82019f', 'hex'),
      ...Array.from({ length: 1025 }, () => Buffer.from(`820082005820${h}`, 'hex')),
      Buffer.from('ff', 'hex'),
    ]);
    expect(() => decodeMTree(leaf1025)).toThrow(/longer than 1024/);
  });

  it('any bytes decode or give a FormatError', () => total(decodeMTree));
});

describe('annotation codec (§4.1)', () => {
  it('round-trips every metadata and encryption form, nonces byte for byte', () => {
    fc.assert(
      fc.property(meta, crypt, tree, (m, c, t) => {
        const block = encodeMTreeAnn({ meta: m, crypt: c, tree: t });
        expect(decodeMTreeAnn(block)).toEqual({ meta: m, crypt: c, tree: t });
        expect(detectBlock(block).type).toBe('ann-merkle');
        expect(decodeTreeBlock(block, 'x')).toEqual(t);
      }),
    );
  });

  it('writes the crypt forms of the spec table', () => {
    const gkh = new Uint8Array(32).fill(1);
    const enc = (c: MTreeEncryption) =>
      Buffer.from(
        encodeMTreeAnn({ meta: { kind: 'none' }, crypt: c, tree: { type: 'leaf', hashes: [] } }),
      )
        .toString('hex')
        .slice(8, -6);
    expect(enc({ kind: 'null' })).toBe('8100');
    expect(enc({ kind: 'asymm', accessKey: gkh })).toBe(
      '8201820058 20'.replace(' ', '') + '01'.repeat(32),
    );
    expect(enc({ kind: 'symm1', groupKey: gkh, nonce: Uint8Array.of(9, 9, 9) })).toBe(
      '8302820058 20'.replace(' ', '') + '01'.repeat(32) + '43090909',
    );
    expect(
      enc({ kind: 'symm2', opts: { a: 1n, b: 2n }, groupKey: gkh, nonce: new Uint8Array(35) }),
    ).toBe('84038200820102820058 20'.replace(' ', '') + '01'.repeat(32) + '5823' + '00'.repeat(35));
  });

  it('any bytes decode or give a FormatError', () => total(decodeMTreeAnn));
});

describe('references (§1.3)', () => {
  it('round-trip and are detected', () => {
    fc.assert(
      fc.property(
        fc.option(hash, { nil: null }),
        hash,
        fc.bigInt({ min: -(1n << 63n), max: 1n << 63n }),
        (a, t, seq) => {
          const ref = { annotation: a, target: t };
          const ab = encodeAnnotatedHashRef(ref);
          expect(decodeAnnotatedHashRef(ab)).toEqual(ref);
          expect(detectBlock(ab)).toEqual({ type: 'annotated-ref', ref });
          const sb = encodeSequentialRef({ seq, ref });
          expect(decodeSequentialRef(sb)).toEqual({ seq, ref });
          expect(detectBlock(sb).type).toBe('sequential-ref');
        },
      ),
    );
  });

  it('any bytes decode or give a FormatError', () => {
    total(decodeAnnotatedHashRef);
    total(decodeSequentialRef);
  });
});

describe('detection (§5.1, whole-block rule)', () => {
  it('a tree block is merkle, and the same bytes with a tail are a blob', () => {
    const leaf = encodeMTree({ type: 'leaf', hashes: [new Uint8Array(32)] });
    expect(detectBlock(leaf).type).toBe('merkle');
    const withTail = Uint8Array.from([...leaf, 0x00]);
    expect(detectBlock(withTail).type).toBe('blob');
    expect(detectBlock(new Uint8Array(0)).type).toBe('blob');
    expect(detectBlock(new TextEncoder().encode('hello world')).type).toBe('blob');
  });

  it('never throws for any bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (b) => {
        expect(['blob', 'merkle', 'ann-merkle', 'annotated-ref', 'sequential-ref']).toContain(
          detectBlock(b).type,
        );
      }),
      { numRuns: 3000 },
    );
  });

  it('decodeTreeBlock names the block and throws only Hbs2Errors', () => {
    expect(() => decodeTreeBlock(Uint8Array.of(1, 2, 3), 'BLOCKNAME')).toThrow(
      /tree block BLOCKNAME does not decode/,
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (b) => {
        try {
          decodeTreeBlock(b, 'x');
        } catch (e) {
          expect(e).toBeInstanceOf(Hbs2Error);
        }
      }),
    );
  });
});
