/**
 * runBlockJob with the two output policies: freshOutput (calling thread, never writes the
 * caller's buffers) and ownedOutput (worker thread, writes results back into the job's
 * buffer through one reused scratch buffer). Both must give the same bytes and hashes;
 * ownedOutput must never hand out its scratch buffer; stored-block checks (`expect`, MAC,
 * short blocks) must be IntegrityErrors.
 */
import { describe, expect, it } from 'vitest';
import {
  jsCrypto,
  loadNativeCrypto,
  nonceWithCounter,
  type CryptoProvider,
} from '../../../src/crypto/select.js';
import { encodeBase58 } from '../../../src/codec/base58.js';
import { IntegrityError } from '../../../src/errors.js';
import {
  NONCE_MISMATCH,
  freshOutput,
  ownedOutput,
  runBlockJob,
  type BlockJob,
} from '../../../src/parallel/jobs.js';
import {
  CHUNK_CHANGED,
  KEYED_METHOD2_OPTIONS,
  encryptKeyedMethod2,
} from '../../../src/tree/encrypt.js';
import { blockNonceDigest } from '../../../src/tree/keyed-nonces.js';
import { xorshiftBytes } from '../../helpers/bytes.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const backends: CryptoProvider[] = [jsCrypto];
const native = loadNativeCrypto();
if (native) backends.push(native);

/** `data` copied to the start of a fresh ArrayBuffer with `spare` bytes after it. */
function inBuffer(data: Uint8Array, spare: number, offset = 0): Uint8Array {
  const v = new Uint8Array(new ArrayBuffer(offset + data.length + spare), offset, data.length);
  v.set(data);
  return v;
}

/** The IntegrityError `f` throws (fails the test when it throws anything else). */
function integrityError(f: () => unknown): IntegrityError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(IntegrityError);
    expect((e as IntegrityError).exitCode).toBe(4);
    return e as IntegrityError;
  }
  throw new Error('expected an IntegrityError, nothing was thrown');
}

const key0 = xorshiftBytes(32, 101);
const nonce0 = xorshiftBytes(24, 102);
const nk = xorshiftBytes(32, 103);
const SIZES = [0, 1, 15, 16, 17, 1000, 262_144];

describe.each(backends.map((c) => [c.name, c] as const))('runBlockJob (%s)', (_name, c) => {
  const seal = (plain: Uint8Array, index: bigint) =>
    c.secretbox(plain, nonceWithCounter(nonce0, index), key0);

  /** The job of `op` over (a copy of) `plain`, its data placed in a buffer with `spare`. */
  function job(op: BlockJob['op'], plain: Uint8Array, index: bigint, spare: number): BlockJob {
    switch (op) {
      case 'hash':
        return { op, data: inBuffer(plain, spare) };
      case 'verify':
        return { op, data: inBuffer(plain, spare), expect: c.blake2b256(plain) };
      case 'encrypt1':
        return { op, data: inBuffer(plain, spare), key0, nonce0, index };
      case 'decrypt1': {
        const stored = seal(plain, index);
        return {
          op,
          data: inBuffer(stored, spare),
          key0,
          nonce0,
          index,
          expect: c.blake2b256(stored),
        };
      }
      case 'nonceDigest':
        return { op, data: inBuffer(plain, spare), nk, index };
      case 'encrypt2':
        return {
          op,
          data: inBuffer(plain, spare),
          key0,
          nk,
          index,
          recheck: blockNonceDigest(nk, index, plain, c),
        };
      case 'decrypt2': {
        const stored = encryptKeyedMethod2(key0, nk, plain, index, undefined, c);
        return {
          op,
          data: inBuffer(stored, spare),
          key0,
          nonce0,
          opts: KEYED_METHOD2_OPTIONS,
          nk,
          index,
          expect: c.blake2b256(stored),
        };
      }
    }
  }

  const ops: BlockJob['op'][] = [
    'hash',
    'verify',
    'encrypt1',
    'decrypt1',
    'nonceDigest',
    'encrypt2',
    'decrypt2',
  ];
  /** What each op must return as its block, and whether it returns a hash. */
  const expected = (op: BlockJob['op'], plain: Uint8Array, index: bigint) =>
    op === 'encrypt1'
      ? seal(plain, index)
      : op === 'encrypt2'
        ? encryptKeyedMethod2(key0, nk, plain, index, undefined, c)
        : plain;

  it.each(ops)('%s: freshOutput and ownedOutput give the same bytes and hashes', (op) => {
    const owned = ownedOutput();
    for (const [i, size] of SIZES.entries()) {
      const plain = xorshiftBytes(size, 7 + i);
      const index = BigInt(i + 1);
      for (const spare of [0, 16, 40]) {
        const a = runBlockJob(job(op, plain, index, spare), c, freshOutput);
        const b = runBlockJob(job(op, plain, index, spare), c, owned);
        expect(hex(b.block)).toBe(hex(a.block));
        expect(b.hash && hex(b.hash)).toBe(a.hash && hex(a.hash));
        // And both are right.
        const want = expected(op, plain, index);
        expect(hex(a.block)).toBe(hex(want));
        if (op === 'hash' || op === 'encrypt1' || op === 'encrypt2')
          expect(hex(a.hash!)).toBe(hex(c.blake2b256(want)));
        else if (op === 'nonceDigest')
          expect(hex(a.hash!)).toBe(hex(blockNonceDigest(nk, index, plain, c)));
        else expect(a.hash).toBeUndefined();
      }
    }
  });

  it('encrypt2 refuses a chunk that differs from the first pass; decrypt2 a moved block', () => {
    const plain = xorshiftBytes(1000, 8);
    const recheck = blockNonceDigest(nk, 1n, plain, c);
    const changed = plain.slice();
    changed[999]! ^= 1;
    expect(() =>
      runBlockJob({ op: 'encrypt2', data: changed, key0, nk, index: 1n, recheck }, c),
    ).toThrow(CHUNK_CHANGED);
    const stored = encryptKeyedMethod2(key0, nk, plain, 1n, undefined, c);
    const at = (index: bigint): BlockJob => ({
      op: 'decrypt2',
      data: stored.slice(),
      key0,
      nonce0,
      opts: KEYED_METHOD2_OPTIONS,
      nk,
      index,
    });
    expect(hex(runBlockJob(at(1n), c).block)).toBe(hex(plain));
    expect(() => runBlockJob(at(2n), c)).toThrow(NONCE_MISMATCH);
  });

  it('freshOutput never writes into the caller’s buffer, even with room', () => {
    const plain = xorshiftBytes(500, 3);
    const data = inBuffer(plain, 64);
    const before = hex(new Uint8Array(data.buffer));
    const r = runBlockJob({ op: 'encrypt1', data, key0, nonce0, index: 1n }, c);
    expect(r.block.buffer).not.toBe(data.buffer);
    expect(hex(new Uint8Array(data.buffer))).toBe(before);
    const stored = inBuffer(seal(plain, 2n), 0);
    const storedHex = hex(stored);
    const d = runBlockJob({ op: 'decrypt1', data: stored, key0, nonce0, index: 2n }, c);
    expect(d.block.buffer).not.toBe(stored.buffer);
    expect(hex(stored)).toBe(storedHex);
  });

  it('ownedOutput: encrypt1 with 16 spare bytes returns the ciphertext in the data buffer', () => {
    const owned = ownedOutput();
    for (const size of [0, 1, 1000, 262_144]) {
      const plain = xorshiftBytes(size, size + 1);
      const data = inBuffer(plain, 16);
      const r = runBlockJob({ op: 'encrypt1', data, key0, nonce0, index: 5n }, c, owned);
      expect(r.block.buffer).toBe(data.buffer);
      expect(r.block.byteOffset).toBe(0);
      expect(r.block.length).toBe(size + 16);
      expect(hex(r.block)).toBe(hex(seal(plain, 5n)));
      expect(hex(r.hash!)).toBe(hex(c.blake2b256(r.block)));
    }
  });

  it('ownedOutput: a view at an offset with room is written back at that offset', () => {
    const owned = ownedOutput();
    const plain = xorshiftBytes(300, 77);
    const data = inBuffer(plain, 16, 8);
    new Uint8Array(data.buffer, 0, 8).fill(0xab);
    const r = runBlockJob({ op: 'encrypt1', data, key0, nonce0, index: 9n }, c, owned);
    expect(r.block.buffer).toBe(data.buffer);
    expect(r.block.byteOffset).toBe(8);
    expect(hex(r.block)).toBe(hex(seal(plain, 9n)));
    expect([...new Uint8Array(data.buffer, 0, 8)]).toEqual(new Array(8).fill(0xab));
  });

  it('ownedOutput: decrypt1 returns the plaintext in the data buffer', () => {
    const owned = ownedOutput();
    for (const size of [0, 1, 1000, 262_144]) {
      const plain = xorshiftBytes(size, size + 2);
      const stored = seal(plain, 3n);
      const data = inBuffer(stored, 0);
      const r = runBlockJob(
        { op: 'decrypt1', data, key0, nonce0, index: 3n, expect: c.blake2b256(stored) },
        c,
        owned,
      );
      expect(r.block.buffer).toBe(data.buffer);
      expect(r.block.byteOffset).toBe(0);
      expect(hex(r.block)).toBe(hex(plain));
    }
  });

  it('ownedOutput without room returns a copy, never the reused scratch buffer', () => {
    const owned = ownedOutput();
    const p1 = xorshiftBytes(1000, 31);
    const p2 = xorshiftBytes(1000, 32);
    const d1 = inBuffer(p1, 0);
    const r1 = runBlockJob({ op: 'encrypt1', data: d1, key0, nonce0, index: 1n }, c, owned);
    expect(r1.block.buffer).not.toBe(d1.buffer);
    const first = hex(r1.block);
    expect(first).toBe(hex(seal(p1, 1n)));
    // A second job of the same size goes through the same scratch buffer.
    const d2 = inBuffer(p2, 0);
    const r2 = runBlockJob({ op: 'encrypt1', data: d2, key0, nonce0, index: 2n }, c, owned);
    expect(r2.block.buffer).not.toBe(d2.buffer);
    expect(r2.block.buffer).not.toBe(r1.block.buffer);
    expect(hex(r2.block)).toBe(hex(seal(p2, 2n)));
    expect(hex(r1.block)).toBe(first);
    // The copy owns its whole buffer (a worker transfers it back).
    expect(r1.block.byteOffset).toBe(0);
    expect(r1.block.buffer.byteLength).toBe(r1.block.length);
    // 15 spare bytes are not enough room either.
    const d3 = inBuffer(p1, 15);
    const r3 = runBlockJob({ op: 'encrypt1', data: d3, key0, nonce0, index: 1n }, c, owned);
    expect(r3.block.buffer).not.toBe(d3.buffer);
    expect(hex(r3.block)).toBe(first);
    expect(hex(r1.block)).toBe(first);
    expect(hex(r2.block)).toBe(hex(seal(p2, 2n)));
  });

  it('verify with a wrong expect throws an IntegrityError naming the block, with a hint', () => {
    const data = xorshiftBytes(100, 41);
    const wrong = c.blake2b256(xorshiftBytes(100, 42));
    for (const out of [freshOutput, ownedOutput()]) {
      const e = integrityError(() =>
        runBlockJob({ op: 'verify', data: data.slice(), expect: wrong }, c, out),
      );
      expect(e.message).toContain(encodeBase58(wrong));
      expect(e.message).toContain(encodeBase58(c.blake2b256(data)));
      expect(e.hint).toBeTruthy();
    }
  });

  it('decrypt1 with a wrong expect fails on the hash, before decrypting', () => {
    const stored = seal(xorshiftBytes(100, 43), 1n);
    const wrong = c.blake2b256(xorshiftBytes(5, 44));
    for (const out of [freshOutput, ownedOutput()]) {
      const e = integrityError(() =>
        runBlockJob(
          { op: 'decrypt1', data: stored.slice(), key0, nonce0, index: 1n, expect: wrong },
          c,
          out,
        ),
      );
      expect(e.message).toContain(encodeBase58(wrong));
      expect(e.message).not.toMatch(/MAC/);
      expect(e.hint).toBeTruthy();
    }
  });

  it('decrypt1 of a tampered block (hash matching the tampered bytes) fails on the MAC', () => {
    const stored = seal(xorshiftBytes(1000, 45), 1n);
    for (const at of [0, 16, 999]) {
      const bad = stored.slice();
      bad[at]! ^= 0x04;
      for (const out of [freshOutput, ownedOutput()]) {
        const withExpect: BlockJob = {
          op: 'decrypt1',
          data: bad.slice(),
          key0,
          nonce0,
          index: 1n,
          expect: c.blake2b256(bad),
        };
        expect(integrityError(() => runBlockJob(withExpect, c, out)).message).toMatch(/MAC/);
        const without: BlockJob = { op: 'decrypt1', data: bad.slice(), key0, nonce0, index: 1n };
        expect(integrityError(() => runBlockJob(without, c, out)).message).toMatch(/MAC/);
      }
    }
    // The wrong index (so the wrong nonce) fails too.
    const wrongIndex: BlockJob = { op: 'decrypt1', data: stored.slice(), key0, nonce0, index: 2n };
    expect(integrityError(() => runBlockJob(wrongIndex, c, ownedOutput())).message).toMatch(/MAC/);
  });

  it('decrypt1 of a block shorter than the MAC is an IntegrityError, not a RangeError', () => {
    for (const size of [0, 1, 15]) {
      const short = xorshiftBytes(size, 50 + size);
      for (const out of [freshOutput, ownedOutput()]) {
        for (const expectHash of [undefined, c.blake2b256(short)]) {
          const j: BlockJob = {
            op: 'decrypt1',
            data: short.slice(),
            key0,
            nonce0,
            index: 1n,
            ...(expectHash ? { expect: expectHash } : {}),
          };
          integrityError(() => runBlockJob(j, c, out));
        }
      }
    }
  });
});
