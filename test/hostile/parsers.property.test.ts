/**
 * Every parser the library exports, fed arbitrary input: it returns a value or throws an
 * Hbs2Error, never any other exception (RangeError, TypeError, stack overflow…).
 *
 * Inputs are plain random bytes plus "almost valid" ones: CBOR-ish byte soup built from
 * real heads, valid encodings with one byte changed or cut short, and armored text around
 * random bytes, so the fuzzing reaches past the first check of each parser.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Hbs2Error } from '../../src/errors.js';
import {
  CREDENTIALS_HEADER,
  CborReader,
  GROUPKEY_V2_HEADER,
  SIGIL_HEADER,
  decodeBase58,
  formatArmored,
} from '../../src/codec/index.js';
import {
  decodeKeyring,
  encodeKeyring,
  generateKeyring,
  parseKeyringFile,
} from '../../src/keyring/index.js';
import {
  decodeGroupKey,
  encodeGroupKey,
  generateGroupKey,
  parseGroupKeyFile,
  readRecipientsSource,
} from '../../src/groupkey/index.js';
import {
  decodeMTree,
  decodeMTreeAnn,
  detectBlock,
  encodeMTree,
  encodeMTreeAnn,
} from '../../src/tree/index.js';
import { decodeAcb, emptyAcb, encodeAcb, parseAcbDsl } from '../../src/acb/index.js';
import { createSigil, encodeSigil, parseSigilFile } from '../../src/sigil/index.js';
import { parseConfigText } from '../../src/config/config.js';

const RUNS = 1000;

/** Calls `f`; passes if it returns or throws an Hbs2Error, fails with the input otherwise. */
function valueOrHbs2Error(f: () => unknown): void {
  try {
    f();
  } catch (e) {
    if (e instanceof Hbs2Error) return;
    throw new Error(`threw ${(e as Error)?.name ?? typeof e}: ${(e as Error)?.message ?? e}`);
  }
}

// --- valid samples to mutate --------------------------------------------------------------

const kr = generateKeyring(2);
const pk = kr.entries[0]!.publicKey;
const gk = generateGroupKey([pk, kr.entries[1]!.publicKey], { timestamp: 1 }).groupKey;
const sigil = createSigil(kr, pk, { info: 'x' });
const samples: Uint8Array[] = [
  encodeKeyring(kr),
  encodeGroupKey(gk),
  encodeAcb({ ...emptyAcb(), root: kr.signPublicKey, readers: [pk] }),
  encodeSigil(sigil),
  encodeMTree({ type: 'leaf', hashes: [pk, pk] }),
  encodeMTree({ type: 'node', height: 2, children: [pk] }),
  encodeMTreeAnn({
    meta: { kind: 'short', text: 'file-name: "a"' },
    crypt: { kind: 'symm1', groupKey: pk, nonce: new Uint8Array(24) },
    tree: { type: 'leaf', hashes: [pk] },
  }),
];

/** Bytes: random, CBOR heads soup, or a valid sample mutated / truncated. */
const hostileBytes: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.uint8Array({ maxLength: 300 }),
  // Soup of heads that declare big lengths, indefinite items and breaks.
  fc
    .array(
      fc.oneof(
        fc.constantFrom(0x80, 0x81, 0x82, 0x83, 0x84, 0x86, 0x9f, 0xbf, 0xff, 0x00, 0x01, 0x02),
        fc.constantFrom(0x58, 0x59, 0x5a, 0x5b, 0x7b, 0x9b, 0xbb, 0xba, 0x1b, 0x3b, 0xf9, 0xfb),
        fc.integer({ min: 0, max: 255 }),
      ),
      { maxLength: 64 },
    )
    .map((a) => Uint8Array.from(a)),
  fc
    .tuple(fc.constantFrom(...samples), fc.nat(), fc.integer({ min: 0, max: 255 }), fc.boolean())
    .map(([s, at, b, cut]) => {
      const i = at % s.length;
      if (cut) return s.slice(0, i);
      const m = s.slice();
      m[i] = b;
      return m;
    }),
);

/** Text: arbitrary strings, base58-looking strings, armored files around hostile bytes. */
const hostileText: fc.Arbitrary<string> = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.string({ unit: 'grapheme', maxLength: 100 }),
  fc.stringMatching(/^[1-9A-HJ-NP-Za-km-z]{0,120}$/),
  fc
    .tuple(
      fc.constantFrom(CREDENTIALS_HEADER, [GROUPKEY_V2_HEADER], [SIGIL_HEADER], []),
      hostileBytes,
    )
    .map(([h, b]) => formatArmored(h, h.length === 2, b)),
);

const hostileInput: fc.Arbitrary<Uint8Array> = fc.oneof(
  hostileBytes,
  hostileText.map((t) => new TextEncoder().encode(t)),
);

// --- the parsers ----------------------------------------------------------------------------

const byteParsers: Record<string, (b: Uint8Array) => unknown> = {
  parseKeyringFile: (b) => parseKeyringFile(b),
  decodeKeyring: (b) => decodeKeyring(b),
  parseGroupKeyFile: (b) => parseGroupKeyFile(b),
  decodeGroupKey: (b) => decodeGroupKey(b),
  readRecipientsSource: (b) => readRecipientsSource('input', b),
  decodeMTree: (b) => decodeMTree(b),
  decodeMTreeAnn: (b) => decodeMTreeAnn(b),
  detectBlock: (b) => detectBlock(b),
  decodeAcb: (b) => decodeAcb(b),
  parseSigilFile: (b) => parseSigilFile(b, 'input'),
  'CborReader.value': (b) => new CborReader(b).value(),
};

const textParsers: Record<string, (t: string) => unknown> = {
  'parseKeyringFile (string)': (t) => parseKeyringFile(t),
  'parseGroupKeyFile (string)': (t) => parseGroupKeyFile(t),
  parseAcbDsl: (t) => parseAcbDsl(t, 'input.cfg'),
  decodeBase58: (t) => decodeBase58(t),
  parseConfigText: (t) => parseConfigText(t, '/tmp/toolkit.yaml'),
};

describe('byte parsers: any input gives a value or an Hbs2Error', () => {
  for (const [name, parse] of Object.entries(byteParsers))
    it(name, () => {
      fc.assert(
        fc.property(hostileInput, (b) => valueOrHbs2Error(() => parse(b))),
        { numRuns: RUNS },
      );
    });
  it('detectBlock never throws at all', () => {
    fc.assert(
      fc.property(hostileBytes, (b) => {
        expect(['ann-merkle', 'annotated-ref', 'merkle', 'sequential-ref', 'blob']).toContain(
          detectBlock(b).type,
        );
      }),
      { numRuns: RUNS },
    );
  });
});

/** S-expression soup for the ACB DSL: parens, strings, keywords, keys. */
const dslText: fc.Arbitrary<string> = fc
  .array(
    fc.oneof(
      fc.constantFrom('(', ')', '"', ' ', '\n', ':from', ':to', '-1', 'a1', ';', '\\'),
      fc.constantFrom('define-acb', 'acb-root', 'acb-owner', 'acb-reader', 'acb-writer'),
      fc.constantFrom('acb-prev', `"${'1'.repeat(44)}"`, '99999999999999999999999'),
      fc.string({ maxLength: 8 }),
    ),
    { maxLength: 40 },
  )
  .map((a) => a.join(''));

/** YAML-ish soup for the config parser. */
const yamlText: fc.Arbitrary<string> = fc
  .array(
    fc.oneof(
      fc.constantFrom('store: ', 'keyrings:', 'progress: ', '- ', '[', ']', '{', '}', '\n'),
      fc.constantFrom('&a ', '*a', '!!binary ', '<<: ', '? ', '"', "'", '#', '  ', '~', 'null'),
      fc.string({ maxLength: 8 }),
    ),
    { maxLength: 40 },
  )
  .map((a) => a.join(''));

describe('text parsers: any input gives a value or an Hbs2Error', () => {
  for (const [name, parse] of Object.entries(textParsers))
    it(name, () => {
      const arb =
        name === 'parseAcbDsl'
          ? fc.oneof(hostileText, dslText)
          : name === 'parseConfigText'
            ? fc.oneof(hostileText, yamlText)
            : hostileText;
      fc.assert(
        fc.property(arb, (t) => valueOrHbs2Error(() => parse(t))),
        { numRuns: RUNS },
      );
    });
});

describe('deep nesting is a typed error, not a stack overflow', () => {
  const nested = new Uint8Array(100_001).fill(0x81);
  nested[100_000] = 0;
  const deepText = '('.repeat(100_000);
  for (const [name, parse] of Object.entries(byteParsers))
    it(`${name}: 100,000 nested arrays`, () => valueOrHbs2Error(() => parse(nested)));
  it('parseAcbDsl: 100,000 open parens', () =>
    valueOrHbs2Error(() => parseAcbDsl(deepText, 'deep.cfg')));
  it('parseConfigText: 100,000 nested flow sequences', () =>
    valueOrHbs2Error(() =>
      parseConfigText('['.repeat(100_000) + ']'.repeat(100_000), '/tmp/t.yaml'),
    ));
});
