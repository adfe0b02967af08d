// Known answers for the default encrypted-tree writer, under both crypto backends:
// - hbs2's keyed method-2 block nonces: the worked example of
//   shared/spec/encryption-writers-addendum.md §6 (computed there with Python and Node);
// - this toolkit's keyed tree and metadata nonces (docs/formats.md): values computed
//   independently with Python's hashlib (BLAKE2b-256 and HMAC with a 128-byte block).
import { afterAll, describe, expect, it } from 'vitest';
import { encodeBase58 } from '../../../src/codec/base58.js';
import {
  crypto,
  hkdfExpand32,
  jsCrypto,
  loadNativeCrypto,
  selectCrypto,
  type CryptoProvider,
} from '../../../src/crypto/select.js';
import { IntegrityError } from '../../../src/errors.js';
import { MemoryBlockStore } from '../../../src/store/memory.js';
import { encodeMTreeAnn } from '../../../src/tree/annotation.js';
import {
  decodeSmallEncryptedBlock,
  encodeShortMetadata,
  encodeSmallEncryptedBlock,
  encryptKeyedMethod2,
  encryptMetadata,
  openMetadata,
  treeCipher,
} from '../../../src/tree/encrypt.js';
import {
  decryptTransform,
  deterministicTreeNonce,
  writeEncryptedTree,
} from '../../../src/tree/encrypted-tree.js';
import {
  IncrementalHmac,
  KeyedTreeNonceBuilder,
  blockNonce,
  blockNonceDigest,
  blockNonceKey,
  metadataNonce,
} from '../../../src/tree/keyed-nonces.js';
import { readTree } from '../../../src/tree/reader.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const unhex = (s: string) => new Uint8Array(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const utf8 = (s: string) => new TextEncoder().encode(s);
const gks = new Uint8Array(32).fill(3);
const hello = utf8('hello');

const backends: CryptoProvider[] = [jsCrypto];
const native = loadNativeCrypto();
if (native) backends.push(native);
const initial = crypto().name;
afterAll(() => void selectCrypto(initial));

async function collect(it: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const p of it) parts.push(p.slice());
  return new Uint8Array(Buffer.concat(parts));
}

describe.each(backends.map((c) => [c.name, c] as const))('keyed nonces (%s backend)', (name, c) => {
  it('reproduces the addendum §6 block nonces, ciphertext and block', () => {
    const nk = blockNonceKey(gks, c);
    expect(hex(nk)).toBe('781f6b12cd460be86c07aae9485226c5f146177a0a8a6aed11b3f8a4e22fa2ad');
    expect(hex(treeCipher(gks, new Uint8Array(32).fill(5), c).key0)).toBe(
      '9827f3c60e72f47e6980a56bf42200d1e95352e36bdea23a1d5078f449bc56ed',
    );
    expect(hex(blockNonceDigest(nk, 1n, hello, c))).toBe(
      '55005fcfe6d0ddd97de4ee0994f690b60b8975a5bbefbfdb3535dbb23065b74e',
    );
    expect(hex(blockNonce(nk, 2n, hello, c))).toBe(
      'ea7426275ad2bd565a496d433d6ccad6590d30300550c293',
    );
    const key0 = treeCipher(gks, new Uint8Array(32).fill(5), c).key0;
    const block = encryptKeyedMethod2(key0, nk, hello, 1n, undefined, c);
    expect(hex(block)).toBe(
      '82' +
        '820058185500' +
        '5fcfe6d0ddd97de4ee0994f690b60b8975a5bbefbfdb' +
        '552daacbd63f45776a2e0320bda2f8f219bfaade0bdf',
    );
    expect(encodeBase58(c.blake2b256(block))).toBe('yJ2HitjJBrWdRdn6AYVyTHYAjTqHfg4ZY7PhUrC6qa4');
  });

  it('writes the addendum §6 annotated tree byte for byte', async () => {
    selectCrypto(name);
    const store = new MemoryBlockStore();
    const gkh = c.blake2b256(new Uint8Array(0));
    const res = await writeEncryptedTree(store, [hello], {
      secret: gks,
      groupKeyHash: gkh,
      nonceS: new Uint8Array(32).fill(5),
    });
    expect(encodeBase58(res.root)).toBe('EZRAa2v3HDV63P2meNsyX3HSQ8FBGcuXR5rfZZv4xzBm');
    const crypt =
      '84038200820000' +
      '820058200e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8' +
      '5820' +
      '05'.repeat(32);
    expect(hex(encodeMTreeAnn(res.ann)).startsWith('84008100' + crypt)).toBe(true);
    expect(encodeBase58(res.annotation)).toBe('EjV9njzPjXisifGjhTCcuLp3wuVt9RGdPVxBDXmN2cj1');
    const plain = await collect(
      readTree(
        store,
        { hash: res.root, tree: res.ann.tree },
        {
          transform: decryptTransform(res.ann, gks),
        },
      ),
    );
    expect(Buffer.from(plain).toString()).toBe('hello');
  });

  it('derives the keyed tree nonce of docs/formats.md', async () => {
    selectCrypto(name);
    const tk = new KeyedTreeNonceBuilder(gks, c);
    tk.addDigest(unhex('55005fcfe6d0ddd97de4ee0994f690b60b8975a5bbefbfdb3535dbb23065b74e'));
    expect(hex(tk.finish())).toBe(
      'f964806465e8df339f485178e59cd20c7cb0f9f209f0199ef6d16fd07f514a09',
    );
    expect(hex(new KeyedTreeNonceBuilder(gks, c).finish())).toBe(
      '7bcaaaeea1e8fecda336540ea79d28a78f2c6fb56776cc8fae37ad1173e22570',
    );
    const one = await deterministicTreeNonce([hello], gks, 2);
    expect(hex(one.nonceS)).toBe(
      'f964806465e8df339f485178e59cd20c7cb0f9f209f0199ef6d16fd07f514a09',
    );
    // Two chunks: 262144 bytes of 01, then "tail"; pieces cut anywhere give the same.
    const big = new Uint8Array(262_148).fill(1);
    big.set(utf8('tail'), 262_144);
    const two = await deterministicTreeNonce([big.subarray(0, 1000), big.subarray(1000)], gks, 2);
    expect(hex(two.nonceS)).toBe(
      '5161ad44349441a9802929d2ce608a83ecd25ca5e73ac421fc874f8ce4b2fba9',
    );
    expect(two.fingerprints.method === 2 && two.fingerprints.digests.length).toBe(2);
  });

  it('derives the keyed metadata nonce and block of docs/formats.md', () => {
    const text = 'file-name: "a.txt"';
    const plaintext = encodeShortMetadata(text);
    expect(hex(plaintext)).toBe('82017266696c652d6e616d653a2022612e74787422');
    // The tree nonce of the one-chunk tree "hello" above.
    const treeNonce = unhex('f964806465e8df339f485178e59cd20c7cb0f9f209f0199ef6d16fd07f514a09');
    const m = metadataNonce(gks, treeNonce, plaintext, c);
    expect(hex(m)).toBe('aaefbe017c35d8454352977f9a7d7070868b6a50ed90efa05e0375ef2b7d216e');
    expect(hex(hkdfExpand32(gks, m, c))).toBe(
      'c035e8191af3fae74b0752a41aab76a6dcdbb15787408ddc469d323afd2c5daa',
    );
    const other = new Uint8Array(32).fill(5);
    expect(hex(metadataNonce(gks, other, plaintext, c))).toBe(
      '8ff6a066a4f4f16de116894ae111b7ff52d13cfdc672d73d476f4c9ba84fa500',
    );
    const gkh = c.blake2b256(new Uint8Array(0));
    const block = encryptMetadata(gks, treeNonce, gkh, text, c);
    const decoded = decodeSmallEncryptedBlock(block);
    expect(hex(decoded.nonceS)).toBe(hex(m));
    expect(openMetadata(decoded, gks, treeNonce, c)).toEqual({ text, nonceRule: 'keyed' });
    // Bound to its tree: in another tree (or with no tree nonce) it is foreign.
    expect(openMetadata(decoded, gks, other, c).nonceRule).toBe('unknown');
    expect(openMetadata(decoded, gks, undefined, c).nonceRule).toBe('unknown');
    // Different texts never share a nonce; the same text gives the same block.
    const b = encryptMetadata(gks, treeNonce, gkh, 'file-name: "b.txt"', c);
    expect(hex(decodeSmallEncryptedBlock(b).nonceS)).not.toBe(hex(m));
    expect(hex(encryptMetadata(gks, treeNonce, gkh, text, c))).toBe(hex(block));
    // The nonce is not the public hash of the text (nobody can confirm a guessed text).
    expect(hex(m)).not.toBe(hex(c.blake2b256(plaintext)));
  });

  it('classifies the metadata nonces of hbs2 writers, and flags a foreign one', () => {
    const text = 'file-name: "a.txt"';
    const plaintext = encodeShortMetadata(text);
    const gkh = c.blake2b256(new Uint8Array(0));
    const seal = (nonce: Uint8Array) => {
      const t = treeCipher(gks, nonce, c);
      return decodeSmallEncryptedBlock(
        encodeSmallEncryptedBlock({
          groupKeyHash: gkh,
          nonceS: nonce,
          box: c.secretbox(plaintext, t.nonce0, t.key0),
        }),
      );
    };
    // The fork's rule m = H(82 01 text): the addendum §6 block.
    const forked = seal(c.blake2b256(plaintext));
    expect(hex(forked.nonceS)).toBe(
      'e12dc1a2b8ee2c26d27b49b74c6e1381aa15009d030ce68d0cd55da7730148a5',
    );
    expect(hex(forked.box)).toBe(
      '571cccb31b45b031df80c0d1e8b5fe82afefdf7c87cc24978f0368fcb70dff28c978b69c7a',
    );
    expect(openMetadata(forked, gks, undefined, c).nonceRule).toBe('hash');
    const treeNonce = new Uint8Array(32).fill(5);
    expect(openMetadata(seal(treeNonce), gks, treeNonce, c).nonceRule).toBe('tree-nonce');
    expect(openMetadata(seal(new Uint8Array(32).fill(9)), gks, treeNonce, c)).toEqual({
      text,
      nonceRule: 'unknown',
    });
  });

  it('computes HMAC incrementally exactly as in one piece', () => {
    const key = utf8('k'.repeat(200)); // longer than a block: hashed first
    const msg = utf8('abc'.repeat(100));
    const whole = new IncrementalHmac(key, c).update(msg).digest();
    const parts = new IncrementalHmac(key, c)
      .update(msg.subarray(0, 7))
      .update(msg.subarray(7))
      .digest();
    expect(hex(parts)).toBe(hex(whole));
  });

  it('re-checks each chunk against the first pass', () => {
    const nk = blockNonceKey(gks, c);
    const key0 = new Uint8Array(32);
    const digest = blockNonceDigest(nk, 1n, hello, c);
    expect(() => encryptKeyedMethod2(key0, nk, utf8('hellO'), 1n, digest, c)).toThrow(
      IntegrityError,
    );
    expect(encryptKeyedMethod2(key0, nk, hello, 1n, digest, c).length).toBe(51);
  });

  it('a second pass over other content fails before the annotation is written', async () => {
    selectCrypto(name);
    const first = new Uint8Array(3 * 262_144).fill(1);
    const fp = await deterministicTreeNonce([first], gks, 2);
    const gkh = c.blake2b256(new Uint8Array(0));
    const params = { secret: gks, groupKeyHash: gkh, nonceS: fp.nonceS };
    const changed = first.slice();
    changed[262_144 + 7] = 2; // chunk 2
    for (const content of [
      changed,
      first.subarray(0, 2 * 262_144),
      new Uint8Array(4 * 262_144).fill(1),
    ]) {
      const store = new MemoryBlockStore();
      await expect(
        writeEncryptedTree(store, [content], { ...params, fingerprints: fp.fingerprints }),
      ).rejects.toThrow(IntegrityError);
      // No MTreeAnn block among what was written: nothing refers to the partial data.
      for await (const h of store.hashes()) expect((await store.get(h))![0]).not.toBe(0x84);
    }
    const ok = await writeEncryptedTree(new MemoryBlockStore(), [first], {
      ...params,
      fingerprints: fp.fingerprints,
    });
    expect(ok.blocks).toBe(3);
  });
});
