/**
 * The worker pool against the inline runner. The pool starts `worker.js` next to its own
 * module, which exists only in the build: the pool (and the error classes its rejections
 * are made of) is imported from `dist/` (`npm test` builds first); the inline reference
 * runs from `src/`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crypto, nonceWithCounter } from '../../../src/crypto/index.js';
import { encodeBase58 } from '../../../src/codec/base58.js';
import { inlineRunner } from '../../../src/parallel/pool.js';
import type { BlockJob, BlockResult } from '../../../src/parallel/jobs.js';
import { workerPool, type BlockRunner } from '../../../dist/parallel/pool.js';
import { BlockDecryptionError, Hbs2Error, IntegrityError } from '../../../dist/errors.js';
import { KEYED_METHOD2_OPTIONS, encryptKeyedMethod2 } from '../../../src/tree/encrypt.js';
import { xorshiftBytes } from '../../helpers/bytes.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const c = crypto();

const key0 = xorshiftBytes(32, 201);
const nonce0 = xorshiftBytes(24, 202);
const nk = xorshiftBytes(32, 203);
const seal = (plain: Uint8Array, index: bigint) =>
  c.secretbox(plain, nonceWithCounter(nonce0, index), key0);

/** 20 blocks of pseudo-random sizes (0 and a full 256 KiB block among them). */
const plains: Uint8Array[] = (() => {
  const sizes = [0, 262_144];
  let x = 12345;
  while (sizes.length < 20) {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    sizes.push(x % 70_000);
  }
  return sizes.map((n, i) => xorshiftBytes(n, 300 + i));
})();

/** The job of `op` over block `i` (fresh buffers: a pool may take them). */
function job(op: BlockJob['op'], i: number): BlockJob {
  const plain = plains[i]!;
  const index = BigInt(i + 1);
  switch (op) {
    case 'hash':
      return { op, data: plain.slice() };
    case 'verify':
      return { op, data: plain.slice(), expect: c.blake2b256(plain) };
    case 'encrypt1':
      return { op, data: plain.slice(), key0, nonce0, index };
    case 'decrypt1': {
      const stored = seal(plain, index);
      return { op, data: stored, key0, nonce0, index, expect: c.blake2b256(stored) };
    }
    case 'nonceDigest':
      return { op, data: plain.slice(), nk, index };
    case 'encrypt2':
      return { op, data: plain.slice(), key0, nk, index };
    case 'decrypt2': {
      const stored = encryptKeyedMethod2(key0, nk, plain, index);
      const opts = KEYED_METHOD2_OPTIONS;
      return { op, data: stored, key0, nonce0, opts, nk, index, expect: c.blake2b256(stored) };
    }
  }
}

const show = (r: BlockResult) => ({ block: hex(r.block), hash: r.hash && hex(r.hash) });

/** The error `p` rejects with (fails the test when it resolves). */
async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a rejection, the job succeeded');
}

describe('workerPool(2)', () => {
  let pool: BlockRunner;
  beforeAll(() => {
    pool = workerPool(2);
  });
  afterAll(async () => {
    await pool.close();
  });

  it('reports its size as parallelism', () => {
    expect(pool.parallelism).toBe(2);
  });

  it.each([
    'hash',
    'verify',
    'encrypt1',
    'decrypt1',
    'nonceDigest',
    'encrypt2',
    'decrypt2',
  ] as const)('%s: 20 blocks give the inline runner’s results, in order', async (op) => {
    const inline = inlineRunner();
    const want = await Promise.all(plains.map((_, i) => inline.run(job(op, i))));
    const got = await Promise.all(plains.map((_, i) => pool.run(job(op, i))));
    expect(got.map(show)).toEqual(want.map(show));
    // And the reference is right, so equality means something.
    want.forEach((r, i) => {
      const plain = plains[i]!;
      const index = BigInt(i + 1);
      const block =
        op === 'encrypt1'
          ? seal(plain, index)
          : op === 'encrypt2'
            ? encryptKeyedMethod2(key0, nk, plain, index)
            : plain;
      expect(hex(r.block)).toBe(hex(block));
    });
  });

  it('a corrupted block with expect rejects with an IntegrityError that keeps the hint', async () => {
    const stored = seal(plains[3]!, 4n);
    const expectHash = c.blake2b256(stored);
    const bad = stored.slice();
    bad[7]! ^= 0x10;
    const e = await rejection(
      pool.run({ op: 'decrypt1', data: bad, key0, nonce0, index: 4n, expect: expectHash }),
    );
    expect(e).toBeInstanceOf(IntegrityError);
    expect((e as IntegrityError).exitCode).toBe(4);
    expect(e.message).toContain(encodeBase58(expectHash));
    expect((e as IntegrityError).hint).toMatch(/fsck/);
    const v = await rejection(
      pool.run({ op: 'verify', data: plains[5]!.slice(), expect: expectHash }),
    );
    expect(v).toBeInstanceOf(IntegrityError);
    expect((v as IntegrityError).hint).toMatch(/fsck/);
  });

  it('a MAC failure rejects with an IntegrityError; the pool keeps working', async () => {
    const stored = seal(plains[2]!, 3n);
    const e = await rejection(
      pool.run({ op: 'decrypt1', data: stored.slice(), key0, nonce0, index: 4n }),
    );
    // The worker's class comes back, not just its family: callers test classes.
    expect(e).toBeInstanceOf(BlockDecryptionError);
    expect(e).toBeInstanceOf(IntegrityError);
    expect(e.message).toMatch(/MAC/);
    const ok = await pool.run({ op: 'decrypt1', data: stored, key0, nonce0, index: 3n });
    expect(hex(ok.block)).toBe(hex(plains[2]!));
  });

  it('any other failure (a bug) rejects as the inline runner does: same name, not an Hbs2Error', async () => {
    const e = await rejection(
      pool.run({
        op: 'encrypt1',
        data: xorshiftBytes(10, 1),
        key0: key0.subarray(0, 31),
        nonce0,
        index: 1n,
      }),
    );
    expect(e).not.toBeInstanceOf(Hbs2Error);
    expect(e.name).toBe('RangeError');
    expect(e.message).toMatch(/key/);
  });

  it('transferred: a view shorter than its buffer is sent as it is (no copy)', async () => {
    const plain = plains[4]!;
    const stored = seal(plain, 5n);
    const buf = new ArrayBuffer(stored.length + 100);
    const view = new Uint8Array(buf, 0, stored.length);
    view.set(stored);
    const r = await pool.run(
      { op: 'decrypt1', data: view, key0, nonce0, index: 5n, expect: c.blake2b256(stored) },
      { ownership: 'transferred' },
    );
    expect(buf.byteLength).toBe(0); // detached: it went to the worker
    expect(hex(r.block)).toBe(hex(plain));
    // The worker wrote the plaintext back into that buffer and sent it back.
    expect(r.block.byteOffset).toBe(0);
    expect(r.block.buffer.byteLength).toBe(stored.length + 100);
  });

  it('borrowed (the default): the caller’s bigger buffer and its other views stay usable', async () => {
    const a = plains[6]!;
    const b = plains[7]!;
    const buf = new ArrayBuffer(a.length + b.length + 16);
    const va = new Uint8Array(buf, 0, a.length);
    const vb = new Uint8Array(buf, a.length, b.length);
    va.set(a);
    vb.set(b);
    for (const op of ['hash', 'encrypt1', 'verify'] as const) {
      const j: BlockJob =
        op === 'hash'
          ? { op, data: va }
          : op === 'verify'
            ? { op, data: va, expect: c.blake2b256(a) }
            : { op, data: va, key0, nonce0, index: 1n };
      const r = await pool.run(j);
      expect(buf.byteLength).toBe(a.length + b.length + 16);
      expect(hex(vb)).toBe(hex(b));
      expect(hex(va)).toBe(hex(a));
      expect(hex(r.block)).toBe(hex(op === 'encrypt1' ? seal(a, 1n) : a));
    }
    // A view that does not start its buffer is copied even when transferred.
    const r = await pool.run(
      { op: 'verify', data: vb, expect: c.blake2b256(b) },
      { ownership: 'transferred' },
    );
    expect(hex(r.block)).toBe(hex(b));
    expect(buf.byteLength).toBe(a.length + b.length + 16);
    expect(hex(va)).toBe(hex(a));
  });
});

describe('buffer ownership is what the caller says', () => {
  let pool: BlockRunner;
  beforeAll(() => {
    pool = workerPool(1);
  });
  afterAll(async () => {
    await pool.close();
  });

  it('a borrowed buffer that would fit exactly is still copied, never detached', async () => {
    const plain = plains[8]!;
    // Exactly the job's slack after the data: the shape the pool used to guess from.
    const data = new Uint8Array(new ArrayBuffer(plain.length + 16), 0, plain.length);
    data.set(plain);
    const r = await pool.run({ op: 'encrypt1', data, key0, nonce0, index: 9n });
    expect(data.buffer.byteLength).toBe(plain.length + 16);
    expect(hex(data)).toBe(hex(plain));
    expect(hex(r.block)).toBe(hex(seal(plain, 9n)));
  });

  it('the same buffer transferred goes to the worker and the result comes back in it', async () => {
    const plain = plains[8]!;
    const buf = new ArrayBuffer(plain.length + 16);
    const data = new Uint8Array(buf, 0, plain.length);
    data.set(plain);
    const r = await pool.run(
      { op: 'encrypt1', data, key0, nonce0, index: 9n },
      { ownership: 'transferred' },
    );
    expect(buf.byteLength).toBe(0);
    expect(r.block.buffer.byteLength).toBe(plain.length + 16);
    expect(hex(r.block)).toBe(hex(seal(plain, 9n)));
  });
});
