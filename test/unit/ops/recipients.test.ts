import { describe, expect, it } from 'vitest';
import { emptyAcb, encodeAcb, formatAcbText } from '../../../src/acb/index.js';
import { encodeBase58 } from '../../../src/codec/base58.js';
import { FormatError, IntegrityError } from '../../../src/errors.js';
import { formatKeyringFile, generateKeyring, type Keyring } from '../../../src/keyring/keyring.js';
import { applyRecipientsRule, isSigilSource, readRecipients } from '../../../src/ops/recipients.js';
import { createSigil, encodeSigil, formatSigilFile } from '../../../src/sigil/index.js';

const enc = (s: string) => new TextEncoder().encode(s);
const [a, b, c, r] = [1, 1, 1, 2].map((n) => generateKeyring(n)) as [
  Keyring,
  Keyring,
  Keyring,
  Keyring,
];
const pub = (k: Keyring, i = 0) => k.entries[i]!.publicKey;
const b58 = (k: Keyring, i = 0) => encodeBase58(pub(k, i));
const sigilOf = (k: Keyring) => createSigil(k, pub(k));
const acb = { ...emptyAcb(), readers: [pub(r, 0), pub(r, 1)] };

/** The recipients as `base58 origin` lines, easy to compare. */
const shown = (res: ReturnType<typeof readRecipients>) =>
  res.recipients.map((x) => `${encodeBase58(x.key)} ${x.origin}`);

describe('readRecipients: one reader for every kind of source', () => {
  it('reads lists, keyrings, sigils (text, raw), ACBs (text, raw) and inline keys as {key, origin}', () => {
    const res = readRecipients([
      { name: 'l.txt', data: enc(`# team\nmember "${b58(a)}"\n`) },
      { name: 'c.key', data: enc(formatKeyringFile(c)) },
      { name: 'b.sigil', data: enc(formatSigilFile(sigilOf(b))) },
      { name: 'r.acb', data: enc(formatAcbText(acb)) },
      { name: '-r argument 1', key: ` ${b58(r, 1)} ` },
    ]);
    expect(shown(res)).toEqual([
      `${b58(a)} l.txt:2`,
      `${b58(c)} c.key: keyring entry 1`,
      `${b58(b)} b.sigil: sigil`,
      `${b58(r, 0)} r.acb: acb reader 1`,
      `${b58(r, 1)} r.acb: acb reader 2`,
    ]);
    // The inline key was already there: a warning naming where it came from.
    expect(res.warnings).toEqual(['-r argument 1:1: duplicate recipient']);

    const raw = readRecipients([
      { name: 'b.raw', data: encodeSigil(sigilOf(b)) },
      { name: 'r.raw', data: encodeAcb(acb) },
    ]);
    expect(shown(raw)).toEqual([
      `${b58(b)} b.raw: sigil`,
      `${b58(r, 0)} r.raw: acb reader 1`,
      `${b58(r, 1)} r.raw: acb reader 2`,
    ]);
  });

  it("kind 'acb' reads a file as an ACB whatever it looks like (a non-ACB is a FormatError)", () => {
    expect(
      readRecipients([{ name: 'x', data: encodeAcb(acb), kind: 'acb' }]).recipients,
    ).toHaveLength(2);
    expect(() => readRecipients([{ name: 'x', data: enc(`${b58(a)}\n`), kind: 'acb' }])).toThrow(
      FormatError,
    );
  });

  it('a sigil whose signature does not verify is an IntegrityError, never a recipient', () => {
    const bad = encodeSigil(sigilOf(b));
    bad[bad.length - 1]! ^= 1;
    expect(isSigilSource(bad)).toBe(true);
    expect(() => readRecipients([{ name: 'bad.sigil', data: bad }])).toThrow(IntegrityError);
  });

  it('no recipient at all, or a bad inline key, is a FormatError naming the input', () => {
    expect(() =>
      readRecipients([{ name: 'e.txt', data: enc('# nobody\n') }], { noneHint: 'h' }),
    ).toThrow(/no recipients found in e\.txt/);
    expect(() => readRecipients([{ name: '-r argument 2', key: 'abc' }])).toThrow(
      /^-r argument 2:1: not a curve25519 public key$/,
    );
    expect(() => readRecipients([{ name: 'k', key: `${b58(a)}\n${b58(b)}` }])).toThrow(
      /^k: not a curve25519 public key$/,
    );
    expect(isSigilSource(enc(`${b58(a)}\n`))).toBe(false);
  });
});

describe("applyRecipientsRule: hbs2's groupkey from-keys and from-sigils", () => {
  it('from-keys: keys separated by any whitespace are read one per line', () => {
    const input = applyRecipientsRule(
      { name: 'stdin', data: enc(`  ${b58(a)}\t${b58(b)}\n\n${b58(c)} `) },
      'whitespace-separated',
    );
    expect(new TextDecoder().decode(input.data)).toBe(`${b58(a)}\n${b58(b)}\n${b58(c)}\n`);
    expect(shown(readRecipients([input]))).toEqual([
      `${b58(a)} stdin:1`,
      `${b58(b)} stdin:2`,
      `${b58(c)} stdin:3`,
    ]);
  });

  it('from-sigils: a sigil passes unchanged, anything else is a FormatError naming its kind', () => {
    const sigil = { name: 'b.sigil', data: encodeSigil(sigilOf(b)) };
    expect(applyRecipientsRule(sigil, 'sigils-only')).toBe(sigil);
    expect(() =>
      applyRecipientsRule({ name: 'c.key', data: enc(formatKeyringFile(c)) }, 'sigils-only'),
    ).toThrow(FormatError);
    expect(() =>
      applyRecipientsRule({ name: 'c.key', data: enc(formatKeyringFile(c)) }, 'sigils-only'),
    ).toThrow(/^c\.key is a keyring .*sigil/);
  });
});
