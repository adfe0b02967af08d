import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { encodeBase58 } from '../../../src/codec/base58.js';
import { FormatError, NotFoundError, UsageError } from '../../../src/errors.js';
import {
  encodeKeyring,
  formatKeyringFile,
  generateEntry,
  generateKeyring,
  type Keyring,
  type KeyringEntry,
} from '../../../src/keyring/keyring.js';
import {
  addEntry,
  formatKeyringListing,
  findBySignKey,
  formatPubsLines,
  hasSignKey,
  holdsEncryptionKey,
  parseKeyArgument,
  printableKeyId,
  removeEntry,
  selectEntries,
  signingKeyPair,
  summarizeKeyring,
  validateKeyId,
} from '../../../src/keyring/ops.js';

/** An entry with a public key chosen by the test (to build prefix collisions). */
function entryWithPub(pub: Uint8Array, description: string | null = null): KeyringEntry {
  return { type: 'curve25519', publicKey: pub, secretKey: new Uint8Array(32).fill(9), description };
}

describe('addEntry', () => {
  it('appends a labelled entry and leaves the input untouched', () => {
    const k = generateKeyring(1);
    const before = encodeKeyring(k);
    const { keyring, entry } = addEntry(k, 'laptop');
    expect(keyring.entries).toHaveLength(2);
    expect(keyring.entries[1]).toBe(entry);
    expect(entry.description).toBe('laptop');
    expect(entry.publicKey).toHaveLength(32);
    expect(encodeKeyring(k)).toEqual(before);
  });

  it('a duplicate key id is a usage error', () => {
    const k = addEntry(generateKeyring(0), 'laptop').keyring;
    expect(() => addEntry(k, 'laptop')).toThrow(UsageError);
    expect(() => addEntry(k, 'phone')).not.toThrow();
    expect(() => addEntry(k, null)).not.toThrow();
  });

  it('rejects empty ids, control characters and surrounding spaces', () => {
    for (const bad of ['', 'a\nb', 'tab\there', ' x', 'x ', 'x'.repeat(257)])
      expect(() => validateKeyId(bad)).toThrow(UsageError);
    expect(() => validateKeyId('work laptop ü')).not.toThrow();
  });

  it('property: add then remove by id restores the exact bytes', () => {
    fc.assert(
      fc.property(fc.nat(3), fc.string({ minLength: 1, maxLength: 20 }), (n, id) => {
        // eslint-disable-next-line no-control-regex
        fc.pre(id.trim() === id && !/[\u0000-\u001f\u007f]/.test(id));
        const k = generateKeyring(n);
        const text = formatKeyringFile(k);
        const added = addEntry(k, id).keyring;
        expect(formatKeyringFile(removeEntry(added, id).keyring)).toBe(text);
      }),
      { numRuns: 50 },
    );
  });
});

describe('selectEntries / removeEntry', () => {
  const a = new Uint8Array(32).fill(1);
  const b = new Uint8Array(32).fill(2);
  const k: Keyring = {
    ...generateKeyring(0),
    entries: [entryWithPub(a), entryWithPub(b, 'laptop')],
  };
  const pa = encodeBase58(a);
  const pb = encodeBase58(b);

  it('selects by id, by full public key and by unique prefix', () => {
    expect(selectEntries(k, 'laptop')).toEqual({ kind: 'id', indexes: [1] });
    expect(selectEntries(k, pa)).toEqual({ kind: 'public-key', indexes: [0] });
    expect(selectEntries(k, pb.slice(0, 6))).toEqual({ kind: 'prefix', indexes: [1] });
  });

  it('unknown ids and too-short prefixes are not found', () => {
    expect(() => selectEntries(k, 'phone')).toThrow(NotFoundError);
    expect(() => selectEntries(k, pa.slice(0, 5))).toThrow(NotFoundError);
  });

  it('a prefix shared by two keys is ambiguous (usage error)', () => {
    const c = new Uint8Array(32).fill(1);
    c[31] = 2; // same leading base58 characters as `a`
    const k2: Keyring = { ...k, entries: [...k.entries, entryWithPub(c)] };
    const shared = commonPrefix(pa, encodeBase58(c));
    expect(shared.length).toBeGreaterThanOrEqual(6);
    expect(() => selectEntries(k2, shared)).toThrow(UsageError);
  });

  it('an id takes precedence over a public key prefix', () => {
    const k3: Keyring = { ...k, entries: [entryWithPub(a, pb.slice(0, 8)), entryWithPub(b)] };
    expect(removeEntry(k3, pb.slice(0, 8)).removed[0]!.publicKey).toEqual(a);
  });

  it('removes exact duplicates of a public key together, as hbs2 does', () => {
    const k4: Keyring = { ...k, entries: [entryWithPub(a), entryWithPub(b), entryWithPub(a)] };
    const r = removeEntry(k4, pa);
    expect(r.removed).toHaveLength(2);
    expect(r.keyring.entries.map((e) => e.publicKey)).toEqual([b]);
  });
});

describe('listings', () => {
  it('hbs2 layout, with an extra empty line for an empty keyring', () => {
    const k = generateKeyring(0);
    const sign = encodeBase58(k.signPublicKey);
    expect(formatKeyringListing(k)).toBe(`sign-key:  ${sign}\n\n`);
    const e = generateEntry('laptop');
    const k2 = { ...k, entries: [generateEntry(null), e] };
    const lines = formatKeyringListing(k2).split('\n');
    expect(lines).toEqual([
      `sign-key:  ${sign}`,
      `pub-key:   ${encodeBase58(k2.entries[0]!.publicKey)}`,
      `pub-key:   ${encodeBase58(e.publicKey)}  laptop`,
      '',
    ]);
    expect(formatPubsLines(k2)).toEqual([
      encodeBase58(k2.entries[0]!.publicKey),
      `${encodeBase58(e.publicKey)}  # laptop`,
    ]);
  });

  it('key ids are printed on one line whatever they hold (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (id) => {
        const k = {
          ...generateKeyring(0),
          entries: [entryWithPub(new Uint8Array(32).fill(5), id)],
        };
        expect(formatPubsLines(k).join('\n')).not.toMatch(/[\n\r\u0085\u2028\u2029]/);
        expect(formatKeyringListing(k).trimEnd().split('\n')).toHaveLength(2);
      }),
      { numRuns: 200 },
    );
    expect(printableKeyId('a\nb\tc\u0000\u2028')).toBe('a\\nb\\tc\\u{0}\\u{2028}');
    expect(printableKeyId('laptop é')).toBe('laptop é');
  });

  it('the summary never contains secret keys', () => {
    const k = generateKeyring(2);
    const json = JSON.stringify(summarizeKeyring(k));
    expect(json).not.toContain(encodeBase58(k.signSecretKey));
    for (const e of k.entries) expect(json).not.toContain(encodeBase58(e.secretKey));
    expect(summarizeKeyring(k).entries[0]).toEqual({
      id: null,
      type: 'curve25519',
      publicKey: encodeBase58(k.entries[0]!.publicKey),
    });
  });
});

describe('parseKeyArgument / hasSignKey', () => {
  it('accepts 32-byte base58 keys and names the argument otherwise', () => {
    const k = generateKeyring(0);
    const key = parseKeyArgument(encodeBase58(k.signPublicKey), '-s');
    expect(hasSignKey(k, key)).toBe(true);
    expect(hasSignKey(generateKeyring(0), key)).toBe(false);
    expect(() => parseKeyArgument('0OIl', '-s')).toThrow(/^-s: not a base58 key$/);
    expect(() => parseKeyArgument('abc', '-s')).toThrow(FormatError);
  });

  it('finds the keyring of a signing key; tells whether a keyring holds an encryption key', () => {
    const [a, b] = [generateKeyring(2), generateKeyring(1)];
    const given = [
      { path: 'a', keyring: a },
      { path: 'b', keyring: b },
    ];
    expect(findBySignKey(given, b.signPublicKey)?.path).toBe('b');
    expect(findBySignKey(given, generateKeyring(0).signPublicKey)).toBeUndefined();
    expect(signingKeyPair(a)).toEqual({ publicKey: a.signPublicKey, secretKey: a.signSecretKey });
    expect(holdsEncryptionKey(a, a.entries[1]!.publicKey)).toBe(true);
    expect(holdsEncryptionKey(a, b.entries[0]!.publicKey)).toBe(false);
    expect(holdsEncryptionKey(a, a.signPublicKey)).toBe(false);
  });
});

function commonPrefix(x: string, y: string): string {
  let i = 0;
  while (i < x.length && x[i] === y[i]) i++;
  return x.slice(0, i);
}
