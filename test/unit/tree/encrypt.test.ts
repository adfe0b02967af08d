// Known answers from spec blocks-trees-storage §4.5.8 (computed from the spec by two
// independent implementations), run under both crypto backends.
import { describe, expect, it } from 'vitest';
import { jsCrypto, loadNativeCrypto, type CryptoProvider } from '../../../src/crypto/select.js';
import { encodeBase58 } from '../../../src/codec/base58.js';
import {
  StoreNonceBuilder,
  decodeSmallEncryptedBlock,
  decryptBlock,
  decryptMetadata,
  encodeShortMetadata,
  encodeSmallEncryptedBlock,
  openMetadata,
  encryptMethod1,
  encryptMethod2,
  treeCipher,
  CHUNK_SIZE,
} from '../../../src/tree/encrypt.js';
import { IntegrityError } from '../../../src/errors.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const unhex = (s: string) => new Uint8Array(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const utf8 = (s: string) => new TextEncoder().encode(s);
const secret = Uint8Array.from({ length: 32 }, (_, i) => i);

const backends: CryptoProvider[] = [jsCrypto];
const native = loadNativeCrypto();
if (native) backends.push(native);

function vector600k(): Uint8Array {
  const b = new Uint8Array(600_000);
  for (let i = 0; i < b.length; i++) b[i] = i % 251;
  return b;
}

function storeNonce(data: Uint8Array, c: CryptoProvider): Uint8Array {
  const nb = new StoreNonceBuilder(c);
  for (let off = 0; off < data.length; off += CHUNK_SIZE)
    nb.addChunk(data.subarray(off, off + CHUNK_SIZE));
  return nb.finish();
}

describe.each(backends.map((c) => [c.name, c] as const))(
  'group encryption (%s backend)',
  (_name, c) => {
    it('derives the store -g nonces of the spec', () => {
      expect(hex(storeNonce(new Uint8Array(0), c))).toBe(
        '45b0cfc220ceec5b7c1c62c4d4193d38e4eba48e8815729ce75f9c0ab0e4c1c0',
      );
      expect(hex(storeNonce(utf8('hello world'), c))).toBe(
        '7678848d4228033bc05e829068e85981bd694842ebb481d743d72d3ca8d73d35',
      );
      expect(hex(storeNonce(vector600k(), c))).toBe(
        '855f2abd9f59635091347b8f38fe784508b86b8f545c2da8f1fefaa5811737ec',
      );
    });

    it('encrypts hello world with method 1 as the spec', () => {
      const nonceS = unhex('7678848d4228033bc05e829068e85981bd694842ebb481d743d72d3ca8d73d35');
      const t = treeCipher(secret, nonceS, c);
      expect(hex(t.key0)).toBe('2970168c94206047d00c3b15561f095c13ff03f4d2ea4a62df6a9565a388fe9b');
      expect(hex(t.nonce0)).toBe('7678848d4228033bc05e829068e85981bd694842ebb481d7');
      const block = encryptMethod1(t, utf8('hello world'), 1n, c);
      expect(hex(block)).toBe('2da2f53e6abf4c431037fb6d17317e83c2d258a5f4635b3014b3bb');
      expect(encodeBase58(c.blake2b256(block))).toBe('vnzQTMJsZPBJLYHSUCpQXGEmtpyg2h5gLXR4PPXuj7L');
      expect(new TextDecoder().decode(decryptBlock(t, 1, block, 1n, 'x', c))).toBe('hello world');
      expect(() => decryptBlock(t, 1, block, 2n, 'x', c)).toThrow(IntegrityError);
    });

    it('encrypts hello world with method 2 as the spec', () => {
      const nonceS = unhex('7678848d4228033bc05e829068e85981bd694842ebb481d743d72d3ca8d73d35');
      const t = treeCipher(secret, nonceS, c);
      const block = encryptMethod2(t, { a: 1n, b: 2n }, utf8('hello world'), 1n, c);
      expect(block.length).toBe(58);
      expect(hex(block)).toBe(
        '8282005818' +
          '7678848d4228033bc05e829068e85981337f9daca9676750' +
          '581be6dcf8ce29b7842f97df49e5be3abec031af63fc4b11ed7b439ea4',
      );
      // Readers take the nonce from the block, whatever the index.
      expect(new TextDecoder().decode(decryptBlock(t, 2, block, 99n, 'x', c))).toBe('hello world');
    });

    it('reads metadata written as createEncryptedTree does (under the tree nonce)', () => {
      const nonceS = c.blake2b256(utf8('hello world'));
      const gkh = c.blake2b256(new Uint8Array(0));
      const t = treeCipher(secret, nonceS, c);
      expect(hex(t.key0)).toBe('9d13dd2ab2f205ff9492dd9dc3811db0b5a5571d0badb0e38e36b6c32ab83271');
      const box = c.secretbox(encodeShortMetadata('hello'), t.nonce0, t.key0);
      const block = encodeSmallEncryptedBlock({ groupKeyHash: gkh, nonceS, box });
      expect(block.length).toBe(102);
      expect(encodeBase58(c.blake2b256(block))).toBe(
        'D1QgDrZ4cvwYeyMNuSsHLFiDBcWQyeiKEnCq2266wtRq',
      );
      const decoded = decodeSmallEncryptedBlock(block);
      expect(decryptMetadata(decoded, secret, c)).toBe('hello');
      expect(openMetadata(decoded, secret, nonceS, c).nonceRule).toBe('tree-nonce');
      const wrong = new Uint8Array(secret);
      wrong[0] = wrong[0]! ^ 1;
      expect(() => decryptMetadata(decoded, wrong, c)).toThrow(IntegrityError);
      // Data block 1 of the same tree.
      const data = encryptMethod1(treeCipher(secret, nonceS, c), utf8('hello world'), 1n, c);
      expect(encodeBase58(c.blake2b256(data))).toBe('6nEaZwjHFA2B1sZEAvejTkKZiW9zdD1puW8h8a4M3cY6');
    });

    it('matches the spec small encrypted block example of keys §6.6', () => {
      const block = unhex('97016fd500d67103e76bbf9776e77c78ca21989006b8');
      const key0 = unhex('48c3eb8391cbf120ca1908d7d149a5404f786a2701a8b4566a23c812f94f1ecb');
      expect(hex(c.secretbox(unhex('4568656c6c6f'), new Uint8Array(24).fill(2), key0))).toBe(
        hex(block),
      );
    });
  },
);
