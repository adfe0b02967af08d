/**
 * Property tests: the js (tweetnacl + noble) and native (libsodium) backends must give the
 * same bytes for every deterministic primitive and open each other's boxes.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { blake2b } from '@noble/hashes/blake2.js';
import { hmac } from '@noble/hashes/hmac.js';
import { createHasher } from '@noble/hashes/utils.js';
import { expand, extract } from '@noble/hashes/hkdf.js';
import {
  crypto,
  hkdfExpand32,
  hmacBlake2b256,
  jsCrypto,
  loadNativeCrypto,
  selectCrypto,
  sipKey,
  type CryptoProvider,
} from '../../../src/crypto/select.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const native = loadNativeCrypto();
if (!native) console.warn('NOTE: sodium-native is not loadable here; cross-backend tests skipped');
const both = native !== null;
const n = native as CryptoProvider;
const bytes32 = fc.uint8Array({ minLength: 32, maxLength: 32 });
const bytes24 = fc.uint8Array({ minLength: 24, maxLength: 24 });
const message = fc.uint8Array({ maxLength: 600 });

/**
 * BLAKE2b-256 as a noble "hash" with cryptonite's 128-byte HMAC block (spec §6.1):
 * `create` must return a fresh BLAKE2b-256 state, which `hmac` calls twice.
 */
const blake2b256Hash = createHasher(() => blake2b.create({ dkLen: 32 }));

describe('HMAC-BLAKE2b-256 equals noble hmac over a 128-byte-block BLAKE2b-256', () => {
  it('for random keys (including keys longer than a block) and messages', () => {
    expect(blake2b256Hash.blockLen).toBe(128);
    expect(blake2b256Hash.outputLen).toBe(32);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), message, (key, m) => {
        const ref = hex(hmac(blake2b256Hash, key, m));
        expect(hex(hmacBlake2b256(key, m, jsCrypto))).toBe(ref);
        if (both) expect(hex(hmacBlake2b256(key, m, n))).toBe(ref);
      }),
      { numRuns: 300 },
    );
  });

  it('HMAC(salt, ikm) equals noble hkdf extract (the LWW key derivation of spec §6.5)', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 9 }),
        fc.uint8Array({ maxLength: 64 }),
        (salt, ikm) => {
          const ref = hex(extract(blake2b256Hash, ikm, salt));
          expect(hex(hmacBlake2b256(salt, ikm, jsCrypto))).toBe(ref);
          if (both) expect(hex(hmacBlake2b256(salt, ikm, n))).toBe(ref);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('hkdfExpand32 equals noble hkdf expand with the same wrapper', () => {
    fc.assert(
      fc.property(bytes32, fc.uint8Array({ maxLength: 64 }), (prk, info) => {
        const ref = hex(expand(blake2b256Hash, prk, info, 32));
        expect(hex(hkdfExpand32(prk, info, jsCrypto))).toBe(ref);
        if (both) expect(hex(hkdfExpand32(prk, info, n))).toBe(ref);
      }),
      { numRuns: 200 },
    );
  });
});

describe('incremental BLAKE2b-256', () => {
  const backends = [jsCrypto, ...(both ? [n] : [])];
  it.each(backends.map((b) => [b.name, b] as const))(
    '%s: equals one-shot for random chunkings',
    (_name, p) => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 2000 }), fc.array(fc.nat(300)), (data, cuts) => {
          const h = p.blake2b256Stream();
          let off = 0;
          for (const c of cuts) {
            const end = Math.min(data.length, off + c);
            h.update(data.subarray(off, end)); // empty chunks included on purpose
            off = end;
          }
          h.update(data.subarray(off));
          expect(hex(h.digest())).toBe(hex(p.blake2b256(data)));
        }),
        { numRuns: 300 },
      );
    },
  );

  it('crosses the 128-byte block boundary exactly', () => {
    for (const len of [127, 128, 129, 255, 256, 257]) {
      const data = new Uint8Array(len).map((_, i) => i);
      const one = hex(jsCrypto.blake2b256(data));
      for (const p of backends) {
        const h = p.blake2b256Stream();
        for (let i = 0; i < len; i++) h.update(data.subarray(i, i + 1));
        expect(hex(h.digest()), `${p.name} ${len}`).toBe(one);
      }
    }
  });
});

describe.skipIf(!both)('js and native backends agree', () => {
  it('BLAKE2b-256 and BLAKE2b-24 of random messages', () => {
    fc.assert(
      fc.property(message, (m) => {
        expect(hex(n.blake2b256(m))).toBe(hex(jsCrypto.blake2b256(m)));
        expect(hex(n.blake2b(m, 24))).toBe(hex(jsCrypto.blake2b(m, 24)));
      }),
      { numRuns: 500 },
    );
  });

  it('SipHash-2-4 of random messages and keys', () => {
    fc.assert(
      fc.property(
        message,
        fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
        fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
        (m, k0, k1) => {
          const key = sipKey(k0, k1);
          expect(n.sipHash24(key, m)).toBe(jsCrypto.sipHash24(key, m));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('secretbox output, and each opens the other', () => {
    fc.assert(
      fc.property(message, bytes24, bytes32, (m, nonce, key) => {
        const a = jsCrypto.secretbox(m, nonce, key);
        expect(hex(n.secretbox(m, nonce, key))).toBe(hex(a));
        expect(hex(n.secretboxOpen(a, nonce, key)!)).toBe(hex(m));
        expect(hex(jsCrypto.secretboxOpen(a, nonce, key)!)).toBe(hex(m));
        const wrongKey = new Uint8Array(key);
        wrongKey[0]! ^= 1;
        expect(n.secretboxOpen(a, nonce, wrongKey)).toBeNull();
        expect(jsCrypto.secretboxOpen(a, nonce, wrongKey)).toBeNull();
      }),
      { numRuns: 300 },
    );
  });

  it('X25519 public keys, Ed25519 key pairs and (deterministic) signatures', () => {
    fc.assert(
      fc.property(bytes32, bytes32, message, (secret, seed, m) => {
        expect(hex(n.boxKeyPairFromSecret(secret).publicKey)).toBe(
          hex(jsCrypto.boxKeyPairFromSecret(secret).publicKey),
        );
        const kj = jsCrypto.signKeyPairFromSeed(seed);
        const kn = n.signKeyPairFromSeed(seed);
        expect(hex(kn.publicKey)).toBe(hex(kj.publicKey));
        expect(hex(kn.secretKey)).toBe(hex(kj.secretKey));
        const sj = jsCrypto.sign(m, kj.secretKey);
        expect(hex(n.sign(m, kn.secretKey))).toBe(hex(sj));
        expect(n.verify(m, sj, kj.publicKey)).toBe(true);
        expect(jsCrypto.verify(m, sj, kj.publicKey)).toBe(true);
        const bad = new Uint8Array(sj);
        bad[5]! ^= 4;
        expect(n.verify(m, bad, kj.publicKey)).toBe(false);
        expect(jsCrypto.verify(m, bad, kj.publicKey)).toBe(false);
      }),
      { numRuns: 30 },
    );
  });

  it('sealed boxes made by one backend open with the other', () => {
    fc.assert(
      fc.property(message, bytes32, (m, secret) => {
        const kp = jsCrypto.boxKeyPairFromSecret(secret);
        const byJs = jsCrypto.sealedBox(m, kp.publicKey);
        const byNative = n.sealedBox(m, kp.publicKey);
        expect(byJs.length).toBe(m.length + 48);
        expect(byNative.length).toBe(m.length + 48);
        expect(hex(n.sealedBoxOpen(byJs, kp.publicKey, kp.secretKey)!)).toBe(hex(m));
        expect(hex(jsCrypto.sealedBoxOpen(byNative, kp.publicKey, kp.secretKey)!)).toBe(hex(m));
        // Sealed boxes are randomised: the ephemeral keys differ.
        expect(hex(byJs.subarray(0, 32))).not.toBe(hex(byNative.subarray(0, 32)));
      }),
      { numRuns: 60 },
    );
  });

  it('fresh key pairs of each backend are usable by the other', () => {
    for (const [maker, other] of [
      [jsCrypto, n],
      [n, jsCrypto],
    ] as const) {
      const kp = maker.boxKeyPair();
      expect(hex(other.boxKeyPairFromSecret(kp.secretKey).publicKey)).toBe(hex(kp.publicKey));
      const sealed = other.sealedBox(new Uint8Array([1, 2, 3]), kp.publicKey);
      expect(Array.from(maker.sealedBoxOpen(sealed, kp.publicKey, kp.secretKey)!)).toEqual([
        1, 2, 3,
      ]);
      expect(maker.randomBytes(33).length).toBe(33);
    }
  });
});

describe('boxes that cannot open give null on every backend (never an exception)', () => {
  const backends = [jsCrypto, ...(both ? [n] : [])];
  it.each(backends.map((b) => [b.name, b] as const))(
    '%s: wrong key, nonce and box sizes',
    (_name, p) => {
      const sizes = [0, 1, 23, 24, 25, 31, 32, 33, 64];
      for (const ns of sizes)
        for (const ks of sizes) {
          const box = new Uint8Array(40);
          if (ns === 24 && ks === 32) continue;
          expect(
            p.secretboxOpen(box, new Uint8Array(ns), new Uint8Array(ks)),
            `${ns}/${ks}`,
          ).toBeNull();
        }
      for (const len of [0, 15, 16, 47, 48, 100])
        expect(
          p.secretboxOpen(new Uint8Array(len), new Uint8Array(24), new Uint8Array(32)),
        ).toBeNull();
      const kp = p.boxKeyPairFromSecret(new Uint8Array(32).fill(3));
      const sealed = p.sealedBox(new Uint8Array([1, 2, 3]), kp.publicKey);
      for (const pks of sizes)
        for (const sks of sizes) {
          if (pks === 32 && sks === 32) continue;
          const pk = new Uint8Array(pks);
          pk.set(kp.publicKey.subarray(0, pks));
          const sk = new Uint8Array(sks);
          sk.set(kp.secretKey.subarray(0, sks));
          expect(p.sealedBoxOpen(sealed, pk, sk), `${pks}/${sks}`).toBeNull();
        }
      for (const len of [0, 31, 32, 47])
        expect(p.sealedBoxOpen(sealed.subarray(0, len), kp.publicKey, kp.secretKey)).toBeNull();
      expect(Array.from(p.sealedBoxOpen(sealed, kp.publicKey, kp.secretKey)!)).toEqual([1, 2, 3]);
    },
  );
});

describe('backend selection', () => {
  it('selectCrypto("js") and ("native") pick the named backend; crypto() returns it', () => {
    try {
      expect(selectCrypto('js').name).toBe('js');
      expect(crypto()).toBe(jsCrypto);
      if (both) {
        expect(selectCrypto('native').name).toBe('native');
        expect(crypto()).toBe(n);
      } else {
        expect(() => selectCrypto('native')).toThrow(/not available/);
      }
    } finally {
      selectCrypto();
    }
  });
});
