/** `keyringsWithEntry` (hbs2's `-P KEY`): only the entry with that public key is kept. */
import { describe, expect, it } from 'vitest';
import { keyringsWithEntry } from '../../../src/groupkey/open.js';
import { generateKeyring } from '../../../src/keyring/keyring.js';

describe('keyringsWithEntry', () => {
  it('keeps the one entry with the key, from whichever keyring holds it', () => {
    const a = { path: 'a.key', keyring: generateKeyring(2) };
    const b = { path: 'b.key', keyring: generateKeyring(3) };
    const wanted = b.keyring.entries[1]!;
    const got = keyringsWithEntry([a, b], wanted.publicKey.slice());
    expect(got).toHaveLength(1);
    expect(got[0]!.path).toBe('b.key');
    expect(got[0]!.keyring.entries).toEqual([wanted]);
    expect(got[0]!.keyring.signPublicKey).toEqual(b.keyring.signPublicKey);
    expect(b.keyring.entries).toHaveLength(3);
  });

  it('gives none when no keyring holds the key', () => {
    const a = { keyring: generateKeyring(2) };
    expect(keyringsWithEntry([a], new Uint8Array(32).fill(9))).toEqual([]);
  });
});
