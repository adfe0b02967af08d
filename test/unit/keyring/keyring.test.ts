import { describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { encodeBase58 } from '../../../src/codec/base58.js';
import { crypto } from '../../../src/crypto/index.js';
import { Hbs2Error } from '../../../src/errors.js';
import {
  decodeKeyring,
  encodeKeyring,
  formatKeyringFile,
  parseKeyringFile,
  type Keyring,
} from '../../../src/keyring/keyring.js';

const VECTORS = path.resolve(__dirname, '../../vectors/hbs2-keys');
const files = fs
  .readdirSync(VECTORS)
  .filter((f) => f.endsWith('.key'))
  .sort();

/** Sign keys given in spec keys-and-groupkeys §3.5. */
const SPEC_SIGN_KEYS: Record<string, string> = {
  'test_refchan_owner.key': 'Atg67E6CPMJWKvR9BvwZTTEjg3Hjz4CYCaEARGANepGP',
  'test_refchan_author1.key': '2cU7qBWpohfco4BcbHGPjF6ypGdqDwpKomp8ky6QAEBy',
  'examples_refchan-qblf_data_peer1.key': '23PFfUtRgDtASus54zGhdGvuGjyDVz6fcMwvroSS4ni6',
};

describe('real hbs2 credentials files', () => {
  it('there are nine of them', () => {
    expect(files).toHaveLength(9);
  });

  it.each(files)('%s parses, is self-consistent and re-formats byte for byte', (name) => {
    const text = fs.readFileSync(path.join(VECTORS, name), 'utf8');
    const k = parseKeyringFile(fs.readFileSync(path.join(VECTORS, name)), name);
    expect(k.entries).toEqual([]);
    expect(encodeKeyring(k)).toHaveLength(107);
    expect(k.signSecretKey.subarray(32)).toEqual(k.signPublicKey);
    expect(crypto().signKeyPairFromSeed(k.signSecretKey.subarray(0, 32)).publicKey).toEqual(
      k.signPublicKey,
    );
    expect(formatKeyringFile(k)).toBe(text);
    expect(text.split('\n')[3]!.startsWith('rmbTHUgv')).toBe(true);
  });

  it.each(Object.entries(SPEC_SIGN_KEYS))('%s has the sign key of spec §3.5', (name, key) => {
    const k = parseKeyringFile(fs.readFileSync(path.join(VECTORS, name)), name);
    expect(encodeBase58(k.signPublicKey)).toBe(key);
  });

  it('accepts CRLF line ends and trailing spaces', () => {
    const text = fs.readFileSync(path.join(VECTORS, 'test_refchan_owner.key'), 'utf8');
    const crlf = text.replace(/\n/g, '  \r\n');
    const k = parseKeyringFile(crlf, 'owner.key');
    expect(formatKeyringFile(k)).toBe(text);
  });

  it('accepts the raw CBOR fallback of hbs2 (spec §3.4 step 2)', () => {
    const text = fs.readFileSync(path.join(VECTORS, 'test_refchan_owner.key'), 'utf8');
    const k = parseKeyringFile(text);
    expect(parseKeyringFile(encodeKeyring(k))).toEqual(k);
  });
});

describe('synthetic keyring of spec §3.5', () => {
  const FILE_TEXT = `# hbs2 credentials file
# keep it private

Lt4k7uqMcKH1gJbCSjryHuCGwavSHpCrSUJDFju7i3T6N1gymrjzGb2n4u2R
2a6ma62Cw614tZk2FVLNNq2KobPrEfbApqm6CqMV6dL5dv1mVCJpiPPgEcsW
1Z61BPQVWmkTgFpEoJnQopj2L4ddLYVdyh1mzZJBQhmoTCurRxMFB5UQpQ39
W6Gzjv5mM4sLk4y29CusuxYF2mziWismNbf4CQrfTeKjru1oePqGzL3GsqAG
HcVGTo75K9kQ8kk31oVi6uXostrRBk7AmFC73HmxyUPEZuYN6yuExfBfFEjx
YyBYew3XSo8APLhiWv9JYPTDqkWH97rqavXhaL3vLkdfvAjeTW8GNq5wSN7Q
Qn
`;
  const c = crypto();
  const sign = c.signKeyPairFromSeed(new Uint8Array(32).fill(5));
  const e1 = c.boxKeyPairFromSecret(new Uint8Array(32).fill(6));
  const e2 = c.boxKeyPairFromSecret(new Uint8Array(32).fill(7));
  const k: Keyring = {
    signSecretKey: sign.secretKey,
    signPublicKey: sign.publicKey,
    entries: [
      { type: 'curve25519', publicKey: e1.publicKey, secretKey: e1.secretKey, description: null },
      {
        type: 'curve25519',
        publicKey: e2.publicKey,
        secretKey: e2.secretKey,
        description: 'laptop',
      },
    ],
  };

  it('has the public keys of the spec', () => {
    expect(encodeBase58(sign.publicKey)).toBe('8SFqwqnq4whPhs8icwHA2hQg3hUoN1qrCLK1SBx3WKwe');
    expect(encodeBase58(e1.publicKey)).toBe('HY743Viu7mfFBoH3UarMhK2y7ToJsNk8AS2rUZAT6dfc');
    expect(encodeBase58(e2.publicKey)).toBe('2L54SXdEHm5mraF2X2GPid3m4PSkwVehEvhk487mWTx8');
  });

  it('encodes to 265 bytes and exactly the file text of the spec', () => {
    const bytes = encodeKeyring(k);
    expect(bytes).toHaveLength(265);
    expect(Buffer.from(bytes.subarray(106, 107)).toString('hex')).toBe('9f');
    expect(Buffer.from(bytes.subarray(-9)).toString('hex')).toBe('8166' + '6c6170746f70' + 'ff');
    expect(formatKeyringFile(k)).toBe(FILE_TEXT);
  });

  it('decodes back to the same keyring', () => {
    expect(parseKeyringFile(FILE_TEXT)).toEqual(k);
    expect(decodeKeyring(encodeKeyring(k))).toEqual(k);
  });
});

describe('parseKeyringFile on bad input', () => {
  const good = fs.readFileSync(path.join(VECTORS, 'test_refchan_owner.key'), 'utf8');
  const lines = good.split('\n');

  it('a bad base58 character is a format error naming the line, not its content', () => {
    const bad = [...lines];
    bad[4] = bad[4]!.slice(0, 10) + '0' + bad[4]!.slice(11);
    const err = catchError(() => parseKeyringFile(bad.join('\n'), 'k.key'));
    expect(err).toBeInstanceOf(Hbs2Error);
    expect((err as Hbs2Error).exitCode).toBe(3);
    expect((err as Error).message).toContain('k.key:5');
    expect((err as Error).message).not.toContain(bad[4]!.slice(0, 8));
  });

  it('a truncated body is a format error', () => {
    const bad = lines.slice(0, 5).join('\n') + '\n';
    const err = catchError(() => parseKeyringFile(bad, 'k.key'));
    expect((err as Hbs2Error).exitCode).toBe(3);
  });

  it('wrong CBOR is a format error', () => {
    const bad =
      formatKeyringFile(parseKeyringFile(good)).replace(/\n[^#\n][^\n]*\n[\s\S]*$/, '\n') +
      encodeBase58(new Uint8Array([0x83, 0x00, 0x01, 0x02])) +
      '\n';
    const err = catchError(() => parseKeyringFile(bad, 'k.key'));
    expect((err as Hbs2Error).exitCode).toBe(3);
  });

  it('property: any bytes give a Keyring or an Hbs2Error', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => {
        try {
          const k = parseKeyringFile(bytes, 'x');
          expect(k.signPublicKey).toHaveLength(32);
        } catch (e) {
          expect(e).toBeInstanceOf(Hbs2Error);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('property: mutated real files give a Keyring or an Hbs2Error', () => {
    const base = new TextEncoder().encode(good);
    fc.assert(
      fc.property(fc.nat(base.length - 1), fc.integer({ min: 0, max: 255 }), (i, v) => {
        const b = new Uint8Array(base);
        b[i] = v;
        try {
          parseKeyringFile(b, 'x');
        } catch (e) {
          expect(e).toBeInstanceOf(Hbs2Error);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('property: encode/decode round-trips any keyring', () => {
    const key32 = fc.uint8Array({ minLength: 32, maxLength: 32 });
    const entry = fc.record({
      type: fc.constant('curve25519' as const),
      publicKey: key32,
      secretKey: key32,
      description: fc.option(fc.string(), { nil: null }),
    });
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 64, maxLength: 64 }),
        key32,
        fc.array(entry, { maxLength: 5 }),
        (ssk, spk, entries) => {
          const k: Keyring = { signSecretKey: ssk, signPublicKey: spk, entries };
          expect(parseKeyringFile(formatKeyringFile(k))).toEqual(k);
        },
      ),
      { numRuns: 100 },
    );
  });
});

function catchError(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error('expected an error');
}
