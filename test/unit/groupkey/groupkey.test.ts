import { describe, expect, it } from 'vitest';
import { withCrypto } from '../../helpers/crypto.js';
import fc from 'fast-check';
import { encodeBase58 } from '../../../src/codec/base58.js';
import { jsCrypto, loadNativeCrypto, type CryptoProvider } from '../../../src/crypto/select.js';
import { FormatError, Hbs2Error, IntegrityError, NoMatchingKeyError } from '../../../src/errors.js';
import type { Keyring } from '../../../src/keyring/keyring.js';
import {
  decodeGroupKey,
  encodeGroupKey,
  formatGroupKeyDump,
  formatGroupKeyFile,
  generateGroupKey,
  groupKeyBytes,
  groupKeyId,
  mergeGroupKeys,
  openGroupKey,
  parseGroupKeyBase58,
  parseGroupKeyFile,
  summarizeGroupKey,
  type GroupKey,
} from '../../../src/groupkey/index.js';

const hex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const fill = (v: number, n = 32): Uint8Array => new Uint8Array(n).fill(v);

// spec keys-and-groupkeys §5.10 (computed with tweetnacl/noble, cross-checked with libsodium).
const EXAMPLE_FILE = `# hbs2 symmetric group key file v2
VJccrHGdt3hGuL2hDzQagbVHHZpWgW63F3Xe1sMkktTLF8Mrshsv51XBw7B4
kiNJDys2Kuj1uzHFjqFSXMwDRQj1Um8dQ2aPvdV24tJHgQSdB8DRtcUGKwC1
KRUVkVygbpSBvhNw5E4N8T9FchgzhBzdVzuZeNE4K2MLzCnCs1dWUQBAjkWq
1FSZR56LMEiCpqNwRFyjEFjZhySe2aYDhNbf2Bj4y11aERtwe75FjLxAees
`;
const EXAMPLE_DUMP = `; fancy group key
group-key-id CMovVLBoVmRM1KWYkiChxH3uDXf6cisGLbYiwEtkNF6Z
group-key-id-scheme basic1
group-key-timestamp 1700000000

member "7KvKWMhhPmcDk7Coj9VEeWRHhSrce7vPjp4cS6wBctdw"`;
const EXAMPLE_CBOR = hex(`
  8200a1
  8200 5820 5dfedd3b6bd47f6fa28ee15d969d5bb0ea53774d488bdaf9df1c6e0124b3ef22
  8200 5854 a8f6b7020f61e25d9184af5efe9443a76016b8bd7c430a2b1689a8d10466810e
            d32647df62adf9cf0013a2e9e4f26d9a1aa84cc537229ecd7125b96b24ba8984
            913931524cd8da30b8a47b9bff4fefe7122c79a8
  02
  83 8181 00
     81 8200 5820 a8c53a3cb5d0abaa29232f4e62f380b5c6c14d2798085dade860a88ad2fa2652
     81 1a 6553f100`);
const EXAMPLE_ID = 'CMovVLBoVmRM1KWYkiChxH3uDXf6cisGLbYiwEtkNF6Z';

const native = loadNativeCrypto();
const backends: CryptoProvider[] = native ? [jsCrypto, native] : [jsCrypto];

function keyringOf(c: CryptoProvider, secrets: Uint8Array[]): Keyring {
  const sign = c.signKeyPairFromSeed(fill(5));
  return {
    signSecretKey: sign.secretKey,
    signPublicKey: sign.publicKey,
    entries: secrets.map((sk, i) => ({
      type: 'curve25519' as const,
      publicKey: c.boxKeyPairFromSecret(sk).publicKey,
      secretKey: sk,
      description: i === 0 ? null : `key-${i}`,
    })),
  };
}

describe('group key worked example (spec §5.10)', () => {
  it('decodes the file to the documented CBOR and fields', () => {
    const gk = parseGroupKeyFile(EXAMPLE_FILE, 'example');
    expect(toHex(groupKeyBytes(gk))).toBe(toHex(EXAMPLE_CBOR));
    expect(gk.version).toBe(2);
    expect(gk.scheme).toBe('basic1');
    expect(encodeBase58(gk.id!)).toBe(EXAMPLE_ID);
    expect(gk.timestamp).toBe(1700000000);
    expect(gk.recipients).toHaveLength(1);
    expect(encodeBase58(gk.recipients[0]!.publicKey)).toBe(
      '7KvKWMhhPmcDk7Coj9VEeWRHhSrce7vPjp4cS6wBctdw',
    );
  });

  it('re-encodes byte-identically, as CBOR and as file text', () => {
    const gk = parseGroupKeyFile(EXAMPLE_FILE);
    expect(toHex(encodeGroupKey(gk))).toBe(toHex(EXAMPLE_CBOR));
    expect(formatGroupKeyFile(gk)).toBe(EXAMPLE_FILE);
    // The same key without the cbor cache encodes the same way.
    const { cbor: _cbor, ...bare } = gk;
    expect(formatGroupKeyFile(bare)).toBe(EXAMPLE_FILE);
  });

  it('dumps exactly as hbs2 does, and summarises as JSON', () => {
    const gk = parseGroupKeyFile(EXAMPLE_FILE);
    expect(formatGroupKeyDump(gk)).toBe(EXAMPLE_DUMP);
    expect(summarizeGroupKey(gk)).toEqual({
      version: 2,
      id: EXAMPLE_ID,
      scheme: 'basic1',
      timestamp: 1700000000,
      members: ['7KvKWMhhPmcDk7Coj9VEeWRHhSrce7vPjp4cS6wBctdw'],
    });
  });

  for (const c of backends) {
    it(`opens with the X25519 secret 03×32 (${c.name})`, () => {
      const gk = parseGroupKeyFile(EXAMPLE_FILE);
      const keyring = keyringOf(c, [fill(9), fill(3)]);
      const opened = withCrypto(c, () =>
        openGroupKey(gk, [
          { path: 'a.key', keyring: keyringOf(c, [fill(7)]) },
          { path: 'b.key', keyring },
        ]),
      );
      expect(toHex(opened.secret)).toBe(toHex(fill(1)));
      expect(encodeBase58(opened.id)).toBe(EXAMPLE_ID);
      expect(opened.keyringPath).toBe('b.key');
      expect(opened.entry.description).toBe('key-1');
      expect(toHex(groupKeyId(fill(1), c))).toBe(
        'a8c53a3cb5d0abaa29232f4e62f380b5c6c14d2798085dade860a88ad2fa2652',
      );
    });
  }

  it('a wrong keyring gives NoMatchingKeyError listing the keys tried', () => {
    const gk = parseGroupKeyFile(EXAMPLE_FILE);
    const keyring = keyringOf(jsCrypto, [fill(9), fill(8)]);
    try {
      openGroupKey(gk, [{ keyring }]);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(NoMatchingKeyError);
      expect((e as NoMatchingKeyError).tried).toEqual(
        keyring.entries.map((x) => encodeBase58(x.publicKey)),
      );
    }
    expect(() => openGroupKey(gk, [])).toThrow(NoMatchingKeyError);
  });

  it('a stored id that does not match the secret is an IntegrityError', () => {
    const gk = parseGroupKeyFile(EXAMPLE_FILE);
    const forged: GroupKey = { ...gk, id: fill(0xaa), cbor: undefined };
    expect(() => openGroupKey(forged, [{ keyring: keyringOf(jsCrypto, [fill(3)]) }])).toThrow(
      IntegrityError,
    );
  });

  it('a corrupt box for a listed key is an IntegrityError', () => {
    const gk = parseGroupKeyFile(EXAMPLE_FILE);
    const sealed = new Uint8Array(gk.recipients[0]!.sealed);
    sealed[40]! ^= 1;
    const bad: GroupKey = {
      ...gk,
      recipients: [{ publicKey: gk.recipients[0]!.publicKey, sealed }],
    };
    expect(() => openGroupKey(bad, [{ keyring: keyringOf(jsCrypto, [fill(3)]) }])).toThrow(
      IntegrityError,
    );
  });
});

describe('group key versions', () => {
  // Item 1 alone: the map of the worked example (a pre-2024 hbs2 key).
  const v1Cbor = EXAMPLE_CBOR.subarray(0, 3 + 36 + 88);

  it('reads a v1 file (item 1 only) as version 1 and dumps it as plain', () => {
    expect(v1Cbor[v1Cbor.length - 1]).toBe(0xa8);
    const text = `# hbs2 symmetric group key file\n${encodeBase58(v1Cbor)}\n`;
    const gk = parseGroupKeyFile(text);
    expect(gk.version).toBe(1);
    expect(gk.id).toBeNull();
    expect(toHex(groupKeyBytes(gk))).toBe(toHex(v1Cbor));
    expect(formatGroupKeyDump(gk)).toBe(
      '; plain group key\n\nmember "7KvKWMhhPmcDk7Coj9VEeWRHhSrce7vPjp4cS6wBctdw"',
    );
    // Writing always uses the v2 form: the plain tail 02 83 80 80 80.
    expect(toHex(encodeGroupKey(gk))).toBe(toHex(v1Cbor) + '0283808080');
    const secret = openGroupKey(gk, [{ keyring: keyringOf(jsCrypto, [fill(3)]) }]).secret;
    expect(toHex(secret)).toBe(toHex(fill(1)));
  });

  it('accepts a bare base58 string without a header', () => {
    const gk = parseGroupKeyFile(encodeBase58(EXAMPLE_CBOR));
    expect(gk.version).toBe(2);
    expect(parseGroupKeyBase58(encodeBase58(EXAMPLE_CBOR)).recipients).toHaveLength(1);
  });

  it('another version integer means plain, rest ignored; trailing bytes are ignored', () => {
    const v3 = new Uint8Array([...v1Cbor, 0x03, 0xff, 0xff]);
    expect(decodeGroupKey(v3).version).toBe(1);
    const trailing = new Uint8Array([...EXAMPLE_CBOR, 0x00, 0x01]);
    const gk = decodeGroupKey(trailing);
    expect(gk.version).toBe(2);
    expect(toHex(encodeGroupKey(gk))).toBe(toHex(EXAMPLE_CBOR));
    expect(toHex(groupKeyBytes(gk))).toBe(toHex(trailing));
  });

  it('a non-integer after item 1 fails, as in hbs2', () => {
    expect(() => decodeGroupKey(new Uint8Array([...v1Cbor, 0x40]))).toThrow(FormatError);
    expect(() => decodeGroupKey(new Uint8Array([...v1Cbor, 0x02, 0x82, 0x80, 0x80]))).toThrow(
      FormatError,
    );
  });

  it('a fancy key with Nothing fields dumps field names with one trailing space', () => {
    const gk = decodeGroupKey(new Uint8Array([...v1Cbor, 0x02, 0x83, 0x80, 0x80, 0x80]));
    expect(gk.version).toBe(2);
    expect(formatGroupKeyDump(gk).split('\n').slice(0, 4)).toEqual([
      '; fancy group key',
      'group-key-id ',
      'group-key-id-scheme ',
      'group-key-timestamp ',
    ]);
  });

  it('rejects a keyring file with a clear message', () => {
    expect(() =>
      parseGroupKeyFile('# hbs2 credentials file\n# keep it private\n\nabc\n', 'x.key'),
    ).toThrow(/keyring/);
  });
});

describe('generation', () => {
  it('seals to every key, dedupes, records id and timestamp', () => {
    const pks = [1, 2, 3].map((v) => jsCrypto.boxKeyPairFromSecret(fill(v)).publicKey);
    const { groupKey, secret } = generateGroupKey([pks[0]!, pks[1]!, pks[0]!, pks[2]!], {
      timestamp: 42,
    });
    expect(groupKey.recipients.map((r) => toHex(r.publicKey))).toEqual(pks.map(toHex));
    expect(groupKey.timestamp).toBe(42);
    expect(toHex(groupKey.id!)).toBe(toHex(groupKeyId(secret)));
    const again = parseGroupKeyFile(formatGroupKeyFile(groupKey));
    expect(toHex(encodeGroupKey(again))).toBe(toHex(encodeGroupKey(groupKey)));
    const opened = openGroupKey(again, [{ keyring: keyringOf(jsCrypto, [fill(2)]) }]);
    expect(toHex(opened.secret)).toBe(toHex(secret));
  });

  it('default timestamp is now in seconds; a given secret is reused', () => {
    const before = Math.round(Date.now() / 1000);
    const { groupKey } = generateGroupKey([fill(4)], { secret: fill(1) });
    expect(Number(groupKey.timestamp)).toBeGreaterThanOrEqual(before - 1);
    expect(Number(groupKey.timestamp)).toBeLessThan(before + 60);
    expect(encodeBase58(groupKey.id!)).toBe(EXAMPLE_ID);
  });

  it('refuses public keys that are not 32 bytes', () => {
    expect(() => generateGroupKey([fill(1, 31)])).toThrow(FormatError);
    expect(() => generateGroupKey([fill(1)], { secret: fill(1, 16) })).toThrow(FormatError);
  });

  if (native) {
    const pairs: Array<[CryptoProvider, CryptoProvider]> = [
      [jsCrypto, native],
      [native, jsCrypto],
    ];
    for (const [maker, opener] of pairs) {
      it(`boxes sealed by ${maker.name} open with ${opener.name}`, () => {
        const sks = [fill(11), fill(12)];
        const pks = sks.map((sk) => maker.boxKeyPairFromSecret(sk).publicKey);
        const { groupKey, secret } = withCrypto(maker, () => generateGroupKey(pks));
        for (const sk of sks) {
          const opened = withCrypto(opener, () =>
            openGroupKey(groupKey, [{ keyring: keyringOf(opener, [sk]) }]),
          );
          expect(toHex(opened.secret)).toBe(toHex(secret));
        }
      });
    }
  } else {
    it.skip('native backend not available: cross-backend sealed boxes', () => undefined);
  }
});

describe('merge', () => {
  const pk = (v: number): Uint8Array => jsCrypto.boxKeyPairFromSecret(fill(v)).publicKey;

  it('unions recipients of keys with the same secret, left-biased, latest timestamp', () => {
    const a = generateGroupKey([pk(1), pk(2)], { secret: fill(1), timestamp: 100 }).groupKey;
    const b = generateGroupKey([pk(2), pk(3)], { secret: fill(1), timestamp: 200 }).groupKey;
    const m = mergeGroupKeys([a, b]);
    expect(m.recipients.map((r) => toHex(r.publicKey))).toEqual([pk(1), pk(2), pk(3)].map(toHex));
    expect(toHex(m.recipients[1]!.sealed)).toBe(toHex(a.recipients[1]!.sealed));
    expect(m.timestamp).toBe(200);
    expect(encodeBase58(m.id!)).toBe(EXAMPLE_ID);
    for (const v of [1, 2, 3]) {
      const opened = openGroupKey(m, [{ keyring: keyringOf(jsCrypto, [fill(v)]) }]);
      expect(toHex(opened.secret)).toBe(toHex(fill(1)));
    }
  });

  it('refuses keys with different secrets or without ids', () => {
    const a = generateGroupKey([pk(1)]).groupKey;
    const b = generateGroupKey([pk(2)]).groupKey;
    expect(() => mergeGroupKeys([a, b], ['a.gk', 'b.gk'])).toThrow(
      /b\.gk holds a different secret/,
    );
    const plain = decodeGroupKey(EXAMPLE_CBOR.subarray(0, 127));
    expect(() => mergeGroupKeys([a, plain])).toThrow(FormatError);
  });
});

describe('hostile input', () => {
  it('any bytes decode to a group key or throw an Hbs2Error', () => {
    const prefix = EXAMPLE_CBOR.subarray(0, 3);
    fc.assert(
      fc.property(fc.boolean(), fc.uint8Array({ maxLength: 400 }), (withPrefix, tail) => {
        const bytes = withPrefix ? new Uint8Array([...prefix, ...tail]) : tail;
        try {
          const gk = decodeGroupKey(bytes);
          encodeGroupKey(gk);
          formatGroupKeyDump(gk);
        } catch (e) {
          expect(e).toBeInstanceOf(Hbs2Error);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('mutations of a real key decode or throw an Hbs2Error', () => {
    fc.assert(
      fc.property(
        fc.nat(EXAMPLE_CBOR.length - 1),
        fc.integer({ min: 0, max: 255 }),
        fc.nat(EXAMPLE_CBOR.length),
        (at, v, cut) => {
          const bytes = new Uint8Array(EXAMPLE_CBOR);
          bytes[at] = v;
          try {
            decodeGroupKey(bytes.subarray(0, cut));
          } catch (e) {
            expect(e).toBeInstanceOf(Hbs2Error);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('any text parses as a group key file or throws an Hbs2Error', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (s) => {
        try {
          parseGroupKeyFile(s);
        } catch (e) {
          expect(e).toBeInstanceOf(Hbs2Error);
        }
      }),
      { numRuns: 500 },
    );
  });
});
