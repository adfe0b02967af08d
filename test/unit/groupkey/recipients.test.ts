import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { encodeBase58 } from '../../../src/codec/base58.js';
import { jsCrypto } from '../../../src/crypto/index.js';
import { FormatError, Hbs2Error } from '../../../src/errors.js';
import { encodeKeyring, formatKeyringFile, generateKeyring } from '../../../src/keyring/keyring.js';
import {
  detectRecipientsSource,
  mergeRecipients,
  parseRecipientsText,
  readRecipientsSource,
} from '../../../src/groupkey/recipients.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const pk = (v: number): Uint8Array =>
  jsCrypto.boxKeyPairFromSecret(new Uint8Array(32).fill(v)).publicKey;
const b58 = (v: number): string => encodeBase58(pk(v));
const hexes = (keys: Uint8Array[]): string[] => keys.map((k) => Buffer.from(k).toString('hex'));

describe('recipients files', () => {
  it('accepts comments, blanks, CRLF, trailing comments, member forms; dedupes with warnings', () => {
    const text = [
      '# team',
      '',
      `  ${b58(1)}  `,
      '   ; indented comment',
      `member "${b58(2)}"`,
      `(member "${b58(3)}") ; carol`,
      `${b58(4)}   # dave`,
      `${b58(5)} ; erin`,
      `${b58(1)}`,
      '',
    ].join('\r\n');
    const r = readRecipientsSource('team.txt', enc(text));
    expect(hexes(r.keys)).toEqual(hexes([1, 2, 3, 4, 5].map(pk)));
    expect(r.warnings).toEqual(['team.txt:9: duplicate recipient']);
    expect(r.origins[0]).toBe('team.txt:3');
  });

  it('names the bad line without echoing it', () => {
    const secretish = encodeBase58(new Uint8Array(64).fill(7));
    for (const bad of [
      secretish,
      'hello world',
      `${b58(2)}#x`,
      `member ${b58(2)}`,
      `(member "${b58(2)}"`,
    ]) {
      const text = `${b58(1)}\n# c\n${bad}\n`;
      try {
        parseRecipientsText('r.txt', text);
        expect.unreachable(bad);
      } catch (e) {
        expect(e).toBeInstanceOf(FormatError);
        expect((e as Error).message).toBe('r.txt:3: not a curve25519 public key');
      }
    }
  });

  it('no recipients at all is a FormatError', () => {
    const read = readRecipientsSource('c.txt', enc('# only\n; comments\n\n'));
    expect(() => mergeRecipients([{ name: 'c.txt', read }])).toThrow(
      /no recipients found in c\.txt/,
    );
  });

  it('refuses huge files and huge lines', () => {
    expect(() =>
      readRecipientsSource('big', new Uint8Array(16 * 1024 * 1024 + 1).fill(0x20)),
    ).toThrow(FormatError);
    expect(() => readRecipientsSource('long', enc(`${b58(1)}\n${'#'.repeat(9000)}\n`))).toThrow(
      /long:2: line longer/,
    );
  });

  it('a keyring file contributes its encryption public keys only', () => {
    const k = generateKeyring(2);
    const text = formatKeyringFile(k);
    expect(detectRecipientsSource('k.key', enc(text), text)).toBe('keyring');
    const r = readRecipientsSource('k.key', enc(text));
    expect(hexes(r.keys)).toEqual(hexes(k.entries.map((e) => e.publicKey)));
    // Headerless keyring text and raw CBOR are recognised too.
    const bare = text.split('\n').slice(3).join('\n');
    expect(hexes(readRecipientsSource('bare.key', enc(bare)).keys)).toEqual(hexes(r.keys));
    expect(hexes(readRecipientsSource('raw.key', encodeKeyring(k)).keys)).toEqual(hexes(r.keys));
  });

  it('a broken keyring file is a format error that does not echo its content', () => {
    const text = '# hbs2 credentials file\n# keep it private\n\nsecretstuff 0OIl\n';
    expect(() => readRecipientsSource('k.key', enc(text))).toThrow(FormatError);
    try {
      readRecipientsSource('k.key', enc(text));
    } catch (e) {
      expect((e as Error).message).not.toContain('secretstuff');
    }
  });

  it('merges several sources, warning about keys repeated across them', () => {
    const k = generateKeyring(1);
    const all = mergeRecipients(
      [
        { name: 'a.txt', data: enc(`${b58(1)}\n${encodeBase58(k.entries[0]!.publicKey)}\n`) },
        { name: 'k.key', data: enc(formatKeyringFile(k)) },
        { name: 'b.txt', data: enc(`${b58(2)}\n${b58(1)}\n`) },
      ].map(({ name, data }) => ({ name, read: readRecipientsSource(name, data) })),
    );
    expect(hexes(all.keys)).toEqual(hexes([pk(1), k.entries[0]!.publicKey, pk(2)]));
    expect(all.warnings).toEqual([
      'k.key: keyring entry 1: duplicate recipient',
      'b.txt:2: duplicate recipient',
    ]);
  });

  it('random text parses or throws an Hbs2Error', () => {
    const line = fc.oneof(
      fc.constantFrom(b58(1), `member "${b58(2)}"`, `(member "${b58(3)}")`, '# c', '; c', '', '  '),
      fc.string({ maxLength: 60 }),
      fc.stringMatching(/^[1-9A-HJ-NP-Za-km-z]{0,50}$/),
    );
    fc.assert(
      fc.property(
        fc.array(line, { maxLength: 12 }),
        fc.constantFrom('\n', '\r\n'),
        (lines, eol) => {
          try {
            readRecipientsSource('f', enc(lines.join(eol)));
          } catch (e) {
            expect(e).toBeInstanceOf(Hbs2Error);
          }
        },
      ),
      { numRuns: 1000 },
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (data) => {
        try {
          readRecipientsSource('f', data);
        } catch (e) {
          expect(e).toBeInstanceOf(Hbs2Error);
        }
      }),
      { numRuns: 1000 },
    );
  });
});
