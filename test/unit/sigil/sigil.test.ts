import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { crypto, loadNativeCrypto, selectCrypto } from '../../../src/crypto/select.js';
import { Hbs2Error, FormatError, IntegrityError, NotFoundError } from '../../../src/errors.js';
import { generateKeyring, type Keyring } from '../../../src/keyring/keyring.js';
import {
  createSigil,
  decodeSigilFile,
  encodeSigil,
  formatSigilCheck,
  formatSigilFile,
  parseSigilFile,
  summarizeSigil,
} from '../../../src/sigil/index.js';
import { encodeBase58 } from '../../../src/codec/base58.js';

const hex = (s: string) => new Uint8Array(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const enc = new TextEncoder();

/** Spec keys-and-groupkeys §8: sign seed 05×32, encryption key of the 06×32 entry. */
function specKeyring(): Keyring {
  const c = crypto();
  const sign = c.signKeyPairFromSeed(new Uint8Array(32).fill(5));
  const box = c.boxKeyPairFromSecret(new Uint8Array(32).fill(6));
  return {
    signSecretKey: sign.secretKey,
    signPublicKey: sign.publicKey,
    entries: [
      { type: 'curve25519', publicKey: box.publicKey, secretKey: box.secretKey, description: null },
    ],
  };
}

const SPEC_BYTES = hex(`
  8300 82005820 6e7a1cdd29b0b78fd13af4c5598feff4ef2a97166e3ca6f2e4fbfccd80505bf1
  8400 82005820 6e7a1cdd29b0b78fd13af4c5598feff4ef2a97166e3ca6f2e4fbfccd80505bf1
  5828 840082005820f5b2d6e60f9477e310c2982daaa6c9136c108a1777c5947e448fa37d681745578080
  82005840 eeefffb3fd164f9f89b2c88bf4ed87a333a61c511f6436aae70a4e09644b50e5
           d432915b00d40d321128ef784d1e38f807fde704be410e47b0899004443a5302`);

const SPEC_TEXT = `# sigil file. public data
YDaV7iHowmvCeNZmEkNQgs2ZtmhWMcF5nwawCcToBQBhvdvWXfJ4vmp62GEn
mM5s4K2R1iMMr8u5N12QfcWrjGpHSMHkCujx883e8Lwqu2WodGKUtYhQfePR
Z4HVBr5N2FSLcK7fVFDsdztdJnteHiABm1GNWAhNojbDq4TGoKHBa8Ui4yzo
fx99ghp8Hbuexw9WjvA6a64cMGTip52o7tVMGcFf3Y6JPgtJfqEMmk7nR3Vb
Wr7CR28acqnR9j
`;

describe('sigil (spec §8 example)', () => {
  it('creates exactly the spec bytes and file text', () => {
    const k = specKeyring();
    const s = createSigil(k, k.entries[0]!.publicKey);
    expect(Buffer.from(encodeSigil(s)).toString('hex')).toBe(
      Buffer.from(SPEC_BYTES).toString('hex'),
    );
    expect(formatSigilFile(s)).toBe(SPEC_TEXT);
  });

  it('both crypto backends produce and verify the same bytes', () => {
    const names: ('js' | 'native')[] = loadNativeCrypto() ? ['js', 'native'] : ['js'];
    try {
      for (const name of names) {
        selectCrypto(name);
        const k = specKeyring();
        expect(encodeSigil(createSigil(k, k.entries[0]!.publicKey))).toEqual(SPEC_BYTES);
        expect(parseSigilFile(SPEC_BYTES, name).signKey).toEqual(k.signPublicKey);
      }
    } finally {
      selectCrypto();
    }
  });

  it('verifies the spec file and re-encodes it byte for byte', () => {
    const v = parseSigilFile(enc.encode(SPEC_TEXT), 'spec.sigil');
    expect(v.data.info).toBeNull();
    expect(v.data.ext).toBeNull();
    expect(encodeSigil(v.sigil)).toEqual(SPEC_BYTES);
    expect(formatSigilFile(v.sigil)).toBe(SPEC_TEXT);
    // Raw CBOR is accepted too.
    expect(encodeSigil(parseSigilFile(SPEC_BYTES, 'raw').sigil)).toEqual(SPEC_BYTES);
    expect(formatSigilCheck(v)).toBe(
      '(sigil\n  (sign-pubkey "8SFqwqnq4whPhs8icwHA2hQg3hUoN1qrCLK1SBx3WKwe")\n' +
        '  (encrypt-pubkey "HY743Viu7mfFBoH3UarMhK2y7ToJsNk8AS2rUZAT6dfc"))\n',
    );
  });

  it('fails on every single-character change of the base58 body', () => {
    const lines = SPEC_TEXT.split('\n');
    const alphabet = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
    for (let li = 1; li < lines.length; li++) {
      const line = lines[li]!;
      for (let ci = 0; ci < line.length; ci++) {
        const other = alphabet[(alphabet.indexOf(line[ci]!) + 1) % alphabet.length]!;
        const changed = [...lines];
        changed[li] = line.slice(0, ci) + other + line.slice(ci + 1);
        let err: unknown;
        try {
          parseSigilFile(enc.encode(changed.join('\n')), 'x');
        } catch (e) {
          err = e;
        }
        expect(err instanceof FormatError || err instanceof IntegrityError).toBe(true);
      }
    }
  });
});

describe('sigil create / check', () => {
  it('round-trips info and ext through the file form', () => {
    const k = generateKeyring(2);
    const ext = crypto().randomBytes(32);
    const s = createSigil(k, k.entries[1]!.publicKey, { info: 'laptop "work"', ext });
    const v = parseSigilFile(enc.encode(formatSigilFile(s)), 'f');
    expect(v.data.encryptionKey).toEqual(k.entries[1]!.publicKey);
    expect(v.data.info).toBe('laptop "work"');
    expect(v.data.ext).toEqual(ext);
    expect(v.signKey).toEqual(k.signPublicKey);
    const check = formatSigilCheck(v);
    expect(check).toContain('  (info "laptop \\"work\\"")\n');
    expect(check.trimEnd().endsWith('"))')).toBe(true);
  });

  it('summarizes a verified sigil in base58 (null info and ext when absent)', () => {
    const k = generateKeyring(1);
    const ext = crypto().randomBytes(32);
    const pub = k.entries[0]!.publicKey;
    expect(summarizeSigil(parseSigilFile(encodeSigil(createSigil(k, pub, { ext })), 'f'))).toEqual({
      signKey: encodeBase58(k.signPublicKey),
      encryptionKey: encodeBase58(pub),
      info: null,
      ext: encodeBase58(ext),
    });
    expect(summarizeSigil(parseSigilFile(encodeSigil(createSigil(k, pub)), 'f')).ext).toBeNull();
  });

  it('refuses an encryption key that is not in the keyring', () => {
    const k = generateKeyring(1);
    expect(() => createSigil(k, crypto().randomBytes(32))).toThrow(NotFoundError);
  });

  it('rejects a sigil whose outer key is not the signing key', () => {
    const k = generateKeyring(1);
    const s = createSigil(k, k.entries[0]!.publicKey);
    const forged = { ...s, signKey: generateKeyring(0).signPublicKey };
    expect(() => parseSigilFile(encodeSigil(forged), 'f')).toThrow(IntegrityError);
  });

  it('any bytes or text give a value or an Hbs2Error', () => {
    const check = (data: Uint8Array) => {
      try {
        parseSigilFile(data, 'fuzz');
      } catch (e) {
        expect(e).toBeInstanceOf(Hbs2Error);
      }
      try {
        decodeSigilFile(data, 'fuzz');
      } catch (e) {
        expect(e).toBeInstanceOf(Hbs2Error);
      }
    };
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), check), { numRuns: 500 });
    // Mutations of a valid sigil reach deeper into the decoder than random bytes do.
    fc.assert(
      fc.property(fc.nat(SPEC_BYTES.length - 1), fc.integer({ min: 0, max: 255 }), (i, b) => {
        const m = new Uint8Array(SPEC_BYTES);
        m[i] = b;
        check(m);
      }),
      { numRuns: 500 },
    );
    fc.assert(fc.property(fc.string({ maxLength: 300 }), (s) => check(enc.encode(s))));
  });
});
