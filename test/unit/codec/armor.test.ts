/** Armored text files: the real owner.key of keys spec §3.5 and the §5.10 group key file. */
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  CREDENTIALS_HEADER,
  GROUPKEY_V2_HEADER,
  formatArmored,
  parseArmored,
} from '../../../src/codec/armor.js';
import { CborReader } from '../../../src/codec/cbor.js';
import { readNewtypeBytes } from '../../../src/codec/hbs2.js';
import { FormatError } from '../../../src/errors.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** test/refchan/owner.key, byte for byte as keys spec §3.5 prints it. */
const OWNER_KEY =
  '# hbs2 credentials file\n' +
  '# keep it private\n' +
  '\n' +
  'rmbTHUgvShBTLfScwWwDj9c8MNF77Q8gwRvBTL9L3dBK57pzCsnD9FRyHnqa\n' +
  'sMHzNDVgrYqMqm1R9obVNSr7yxXs8uW6T2xw6dZ2n6fDACaswcQrUm46j5xQ\n' +
  'qTyGWUvLAQF2FoJcYcNPTZkpqD\n';
const OWNER_SEED = '76e14ae6d33af3a4188fa38bc1d684e0cd524f94efa0bc2ac4623174bb6ee0d8';
const OWNER_PK = '92f60027d1da677c5a05263195fb8df337b268241f0c93360df54891d570aa90';
const OWNER_CBOR = `840082005840${OWNER_SEED}${OWNER_PK}82005820${OWNER_PK}80`;

/** The group key file of keys spec §5.10 (no blank line after its header). */
const GROUPKEY_FILE =
  '# hbs2 symmetric group key file v2\n' +
  'VJccrHGdt3hGuL2hDzQagbVHHZpWgW63F3Xe1sMkktTLF8Mrshsv51XBw7B4\n' +
  'kiNJDys2Kuj1uzHFjqFSXMwDRQj1Um8dQ2aPvdV24tJHgQSdB8DRtcUGKwC1\n' +
  'KRUVkVygbpSBvhNw5E4N8T9FchgzhBzdVzuZeNE4K2MLzCnCs1dWUQBAjkWq\n' +
  '1FSZR56LMEiCpqNwRFyjEFjZhySe2aYDhNbf2Bj4y11aERtwe75FjLxAees\n';

function errorOf(f: () => unknown): Error {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected an error');
}

describe('credentials file of keys spec §3.5', () => {
  // The real file lives outside the repository (../shared/vectors); skipped when absent.
  const real = new URL(
    '../../../../shared/vectors/hbs2-keys/test_refchan_owner.key',
    import.meta.url,
  );
  it.skipIf(!fs.existsSync(real))('the spec text equals the real file in shared/vectors', () => {
    expect(fs.readFileSync(real, 'utf8')).toBe(OWNER_KEY);
  });

  it('parses to the 107-byte CBOR of the spec', () => {
    const a = parseArmored(OWNER_KEY, 'owner.key');
    expect(a.comments).toEqual(CREDENTIALS_HEADER);
    expect(a.bytes.length).toBe(107);
    expect(hex(a.bytes)).toBe(OWNER_CBOR);
    const r = new CborReader(a.bytes);
    r.record(3, 'credentials');
    expect(hex(readNewtypeBytes(r, 'sign secret key', 64))).toBe(OWNER_SEED + OWNER_PK);
    expect(hex(readNewtypeBytes(r, 'sign public key', 32))).toBe(OWNER_PK);
    expect(r.list((x) => x.value())).toEqual([]);
    r.expectEnd();
  });

  it('formatArmored reproduces the exact file text', () => {
    const a = parseArmored(OWNER_KEY, 'owner.key');
    expect(formatArmored(CREDENTIALS_HEADER, true, a.bytes)).toBe(OWNER_KEY);
  });

  it('CRLF line ends, trailing spaces and a # line in the middle also parse', () => {
    const variants = [
      OWNER_KEY.replace(/\n/g, '\r\n'),
      OWNER_KEY.replace(/\n/g, '  \n'),
      OWNER_KEY.replace(/\n/g, ' \t\r\n'),
      OWNER_KEY.replace('sMHz', '# a note someone added\nsMHz'),
      OWNER_KEY.replace('qTyG', '\n\n# another\r\n   \nqTyG'),
      OWNER_KEY.trimEnd(), // no final newline
      '\n\n' + OWNER_KEY + '\n\n',
    ];
    for (const text of variants)
      expect(hex(parseArmored(text, 'owner.key').bytes)).toBe(OWNER_CBOR);
    const withNote = parseArmored(OWNER_KEY.replace('sMHz', '# a note\nsMHz'), 'k');
    expect(withNote.comments).toEqual([...CREDENTIALS_HEADER, '# a note']);
  });

  it('a non-base58 line names the line number, not the content', () => {
    const bad = OWNER_KEY.replace('sMHzNDVgrYqMqm1R9', 'sMHzNDVgrYqMqm0R9');
    const e = errorOf(() => parseArmored(bad, 'owner.key'));
    expect(e).toBeInstanceOf(FormatError);
    expect(e.message).toBe('owner.key:5: not base58 text');
    expect(e.message).not.toContain('sMHz');
    // Spaces inside a line are not base58 either; CRLF keeps the line count.
    const spaced = OWNER_KEY.replace(/\n/g, '\r\n').replace('qTyGWUvL', 'qTyG WUvL');
    expect(errorOf(() => parseArmored(spaced, 'k')).message).toBe('k:6: not base58 text');
  });

  it('a file with no base58 lines is a FormatError', () => {
    for (const text of ['', '\n\n', '# hbs2 credentials file\n# keep it private\n\n'])
      expect(() => parseArmored(text, 'empty.key')).toThrow(/empty.key: no base58 data found/);
  });
});

describe('group key file of keys spec §5.10', () => {
  it('parses to the 175-byte sequence and formats back without a blank line', () => {
    const a = parseArmored(GROUPKEY_FILE, 'gk');
    expect(a.comments).toEqual([GROUPKEY_V2_HEADER]);
    expect(a.bytes.length).toBe(175);
    expect(hex(a.bytes.subarray(0, 8))).toBe('8200a1820058205d');
    // The tail: version 2, then the Maybe triple with id a8c53a… and timestamp 1700000000.
    expect(hex(a.bytes.subarray(127))).toBe(
      '02838181008182005820a8c53a3cb5d0abaa29232f4e62f380b5c6c14d2798085dade860a88ad2fa2652811a6553f100',
    );
    expect(formatArmored([GROUPKEY_V2_HEADER], false, a.bytes)).toBe(GROUPKEY_FILE);
  });
});

describe('formatArmored', () => {
  it('60-character lines, LF only, one final newline; parse inverts it', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 700 }), fc.boolean(), (bytes, blank) => {
        const text = formatArmored(['# header'], blank, bytes);
        const lines = text.split('\n');
        expect(lines.pop()).toBe('');
        expect(lines[0]).toBe('# header');
        const body = lines.slice(blank ? 2 : 1);
        if (blank) expect(lines[1]).toBe('');
        for (const l of body.slice(0, -1)) expect(l.length).toBe(60);
        expect(body.at(-1)!.length).toBeGreaterThan(0);
        expect(body.at(-1)!.length).toBeLessThanOrEqual(60);
        expect(text).not.toContain('\r');
        expect(hex(parseArmored(text, 'x').bytes)).toBe(hex(bytes));
      }),
      { numRuns: 200 },
    );
  });

  it('any text parses or throws a FormatError', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (s) => {
        try {
          parseArmored(s, 'x');
        } catch (e) {
          expect(e).toBeInstanceOf(FormatError);
        }
      }),
      { numRuns: 1000 },
    );
  });
});
