/**
 * Known-answer tests: spec refs-and-lwwref §2 (ref key hashes) and §8 (the worked LWWRef,
 * reproduced by hbs2's own code), under both crypto backends.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeBase58 } from '../../../src/codec/base58.js';
import { loadNativeCrypto, selectCrypto, crypto } from '../../../src/crypto/select.js';
import {
  REF_KEY_TAGS,
  encodeLwwRef,
  encodeSignedBox,
  formatLwwRef,
  lwwRefKeyHash,
  makeSignedBox,
  refKeyHash,
  type RefKind,
} from '../../../src/refs/index.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const unhex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s.replace(/\s/g, ''), 'hex'));

const PK = '6e7a1cdd29b0b78fd13af4c5598feff4ef2a97166e3ca6f2e4fbfccd80505bf1';
const HELLO = '256c83b297114d201b30179f3f0ef0cace9783622da5974326b436178aeef610';
const LWWREF_HEX = `840001820082005820${HELLO}80`;
const SIGNATURE_HEX =
  '1ad11b9e7bf56607d641c73a530a7ac678740e65b84dcbc53ee2eb5a8c7ed14f' +
  'd8a51303c7f9d89d7809af53ba99d9703e5c150ad15bf94fb19dc907a6e3d101';
const BOX_HEX = `840082005820${PK}582a${LWWREF_HEX}82005840${SIGNATURE_HEX}`;

/** §2's table: tag → k (hex). */
const REF_KEYS: Record<RefKind, string> = {
  lwwref: 'c0c6b110178c641636d70c7bdbda802aa92a379d5b5aeb96c5e257f2dca90ad9',
  reflog: 'aa8be781852d92676d1b4a16c4d92748b7c43ffdf4b4ecd762081e3f15ad4cf2',
  refchanHead: '183ab98bc4b78b67adcf04a5c3ed32b8e965aecf0860bc3caa8bd99a87b70e3f',
  refchanLog: '6f7efc006d9ba1ffcd47873f174a2fef5213fdfad4af4166c760b716b5d642d3',
  mailbox: '06a6eb1859334b32919b42a17e00761b2c97b424830289533c6fc369298d412f',
  anyref: 'c0a1eac8f21d5332a4a1da9c277bf0077bfc2631260c94ebec66ed7e240180c7',
};

const backends = loadNativeCrypto() ? (['js', 'native'] as const) : (['js'] as const);
if (backends.length === 1) console.warn('NOTE: sodium-native not loadable; js backend only');

describe.each(backends)('spec refs-and-lwwref §2 and §8 with the %s backend', (backend) => {
  beforeAll(() => void selectCrypto(backend));
  afterAll(() => void selectCrypto());

  it('derives the seed-05 signing key', () => {
    expect(crypto().name).toBe(backend);
    const kp = crypto().signKeyPairFromSeed(new Uint8Array(32).fill(5));
    expect(hex(kp.publicKey)).toBe(PK);
    expect(encodeBase58(kp.publicKey)).toBe('8SFqwqnq4whPhs8icwHA2hQg3hUoN1qrCLK1SBx3WKwe');
  });

  it('computes every ref key hash of the §2 table', () => {
    expect(Object.keys(REF_KEY_TAGS).sort()).toEqual(Object.keys(REF_KEYS).sort());
    for (const [kind, k] of Object.entries(REF_KEYS))
      expect(hex(refKeyHash(kind as RefKind, unhex(PK))), kind).toBe(k);
    expect(encodeBase58(lwwRefKeyHash(unhex(PK)))).toBe(
      'DyX17JgwdK79WrcFMiavVK8HXVNrVqyYhkbSUiNT37ha',
    );
  });

  it('encodes, signs and boxes the §8 LWWRef to the exact bytes and hash', () => {
    const kp = crypto().signKeyPairFromSeed(new Uint8Array(32).fill(5));
    const payload = encodeLwwRef({ seq: 1n, value: unhex(HELLO), proof: null });
    expect(hex(payload)).toBe(LWWREF_HEX);
    const box = makeSignedBox(kp, payload);
    expect(hex(box.signature)).toBe(SIGNATURE_HEX);
    const block = encodeSignedBox(box);
    expect(block.length).toBe(150);
    expect(hex(block)).toBe(BOX_HEX);
    const h = crypto().blake2b256(block);
    expect(hex(h)).toBe('f3e93c06f14642f232263dd9827dcea1280322941c825f4076776f0219a62a19');
    expect(encodeBase58(h)).toBe('HR8LyGeobqK7WG1NULHVLBJ38cYxFCsrDcGUJZmUSE8Q');
  });
});

describe('the printed form (hbs2 Pretty (LWWRef e))', () => {
  it('matches hbs2-peer lwwref get for §8, without the final newline', () => {
    expect(formatLwwRef({ seq: 1n, value: unhex(HELLO), proof: null })).toBe(
      '(lwwref\n  (seq 1)\n  (value "3X64Dqnoxy5ihmfCdqP25q6QmjMKjTKVSaX6vUEbthqR")\n  )',
    );
  });

  it('puts a proof on its own line, unquoted, closing the form', () => {
    const text = formatLwwRef({ seq: 7n, value: unhex(HELLO), proof: unhex(PK) });
    expect(text).toBe(
      '(lwwref\n  (seq 7)\n  (value "3X64Dqnoxy5ihmfCdqP25q6QmjMKjTKVSaX6vUEbthqR")\n' +
        '  (proof 8SFqwqnq4whPhs8icwHA2hQg3hUoN1qrCLK1SBx3WKwe))',
    );
  });
});
