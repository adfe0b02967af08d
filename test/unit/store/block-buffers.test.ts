/**
 * BlockBufferPool (recycled read buffers) and the unverified reads that use it:
 * FsBlockStore.getUnverified with and without a pool, and MemoryBlockStore.getUnverified.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BlockBufferPool } from '../../../src/store/block-buffers.js';
import { FsBlockStore } from '../../../src/store/fs.js';
import { MemoryBlockStore } from '../../../src/store/memory.js';
import { hashBlock, hashToString } from '../../../src/store/hash.js';
import { IntegrityError } from '../../../src/errors.js';
import { xorshiftBytes } from '../../helpers/bytes.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** Detaches `b` (as a transfer to a worker would). */
function detach(b: Uint8Array): void {
  structuredClone(b.buffer, { transfer: [b.buffer as ArrayBuffer] });
  expect(b.buffer.byteLength).toBe(0);
}

describe('BlockBufferPool', () => {
  it('take() gives capacity-byte buffers, distinct while none was released', () => {
    const pool = new BlockBufferPool(1000);
    const a = pool.take();
    const b = pool.take();
    for (const x of [a, b]) {
      expect(x.length).toBe(1000);
      expect(x.byteOffset).toBe(0);
      expect(x.buffer.byteLength).toBe(1000);
    }
    expect(a.buffer).not.toBe(b.buffer);
  });

  it('a released buffer (by any view into it) comes back whole from the next take()', () => {
    const pool = new BlockBufferPool(1000);
    const a = pool.take();
    pool.release(a.subarray(0, 10));
    const again = pool.take();
    expect(again.buffer).toBe(a.buffer);
    expect(again.byteOffset).toBe(0);
    expect(again.length).toBe(1000);
    // Taken again, it is no longer free.
    expect(pool.take().buffer).not.toBe(a.buffer);
  });

  it('ignores buffers of other sizes, shared buffers and detached ones', () => {
    const pool = new BlockBufferPool(1000);
    const foreign = [
      new Uint8Array(999),
      new Uint8Array(1001),
      new Uint8Array(2000).subarray(0, 1000),
      new Uint8Array(new SharedArrayBuffer(1000)),
    ];
    for (const f of foreign) pool.release(f);
    const gone = pool.take();
    detach(gone);
    pool.release(gone);
    const next = pool.take();
    expect(next.length).toBe(1000);
    expect(next.buffer.byteLength).toBe(1000);
    for (const f of foreign) expect(next.buffer).not.toBe(f.buffer);
  });

  it('never adds the same buffer twice', () => {
    const pool = new BlockBufferPool(64);
    const a = pool.take();
    pool.release(a);
    pool.release(a.subarray(3));
    pool.release(a);
    const x = pool.take();
    const y = pool.take();
    expect(x.buffer).toBe(a.buffer);
    expect(y.buffer).not.toBe(a.buffer);
  });

  it('keeps at most maxFree buffers', () => {
    const pool = new BlockBufferPool(64, 2);
    const taken = [pool.take(), pool.take(), pool.take()];
    for (const t of taken) pool.release(t);
    const mine = new Set(taken.map((t) => t.buffer));
    const again = [pool.take(), pool.take(), pool.take()];
    expect(again.filter((t) => mine.has(t.buffer))).toHaveLength(2);
    expect(new Set(again.map((t) => t.buffer)).size).toBe(3);
  });

  it('keeps 32 buffers by default', () => {
    const pool = new BlockBufferPool(16);
    const taken = Array.from({ length: 40 }, () => pool.take());
    for (const t of taken) pool.release(t);
    const mine = new Set(taken.map((t) => t.buffer));
    const again = Array.from({ length: 40 }, () => pool.take());
    expect(again.filter((t) => mine.has(t.buffer))).toHaveLength(32);
  });
});

// Both read paths: async through libuv, and synchronous calls (the CLI's cat).
describe.each([false, true])('FsBlockStore.getUnverified (syncReads: %s)', (syncReads) => {
  const CAPACITY = 262_144 + 64;
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hbs2-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** Writes `data` straight to the file of its real hash (as another writer would). */
  function writeBlockFile(store: FsBlockStore, data: Uint8Array): Uint8Array {
    const h = hashBlock(data);
    const file = store.blockPath(h);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, data);
    return h;
  }

  const SIZES = [0, 1, 1000, 262_144, 262_160, CAPACITY - 1];

  it('with a pool: exact bytes, in a pooled buffer of capacity bytes', async () => {
    const readBuffers = new BlockBufferPool(CAPACITY);
    const store = new FsBlockStore(dir, { syncReads, syncFiles: false, readBuffers });
    for (const [i, size] of SIZES.entries()) {
      const data = xorshiftBytes(size, 10 + i);
      const h = await store.put(data);
      const got = await store.getUnverified(h);
      expect(got).not.toBeNull();
      expect(got!.length).toBe(size);
      expect(got!.byteOffset).toBe(0);
      expect(got!.buffer.byteLength).toBe(CAPACITY);
      expect(hex(got!)).toBe(hex(data));
      expect(hex((await store.get(h))!)).toBe(hex(data));
    }
  });

  it('with a pool: a released buffer is reused by the next read', async () => {
    const readBuffers = new BlockBufferPool(CAPACITY);
    const store = new FsBlockStore(dir, { syncReads, syncFiles: false, readBuffers });
    const a = xorshiftBytes(5000, 1);
    const b = xorshiftBytes(300, 2);
    const ha = await store.put(a);
    const hb = await store.put(b);
    const first = (await store.getUnverified(ha))!;
    readBuffers.release(first);
    const second = (await store.getUnverified(hb))!;
    expect(second.buffer).toBe(first.buffer);
    expect(hex(second)).toBe(hex(b));
    // Not released: the next read gets another buffer and leaves `second` alone.
    const third = (await store.getUnverified(ha))!;
    expect(third.buffer).not.toBe(second.buffer);
    expect(hex(third)).toBe(hex(a));
    expect(hex(second)).toBe(hex(b));
  });

  it('with a pool: a file of capacity bytes or more is read whole (fallback)', async () => {
    const readBuffers = new BlockBufferPool(CAPACITY);
    const store = new FsBlockStore(dir, { syncReads, syncFiles: false, readBuffers });
    const marker = readBuffers.take();
    readBuffers.release(marker);
    for (const [i, size] of [CAPACITY, CAPACITY + 1, CAPACITY + 100_000].entries()) {
      const data = xorshiftBytes(size, 50 + i);
      const h = writeBlockFile(store, data);
      const got = await store.getUnverified(h);
      expect(got!.length).toBe(size);
      expect(hex(got!)).toBe(hex(data));
      expect(got!.buffer.byteLength).toBe(size);
      expect(hex((await store.get(h))!)).toBe(hex(data));
    }
    // Each fallback gave the pooled buffer it tried back.
    expect(readBuffers.take().buffer).toBe(marker.buffer);
  });

  it('returns corrupted bytes unverified, while get throws an IntegrityError', async () => {
    for (const readBuffers of [new BlockBufferPool(CAPACITY), undefined]) {
      const store = new FsBlockStore(dir, { syncReads, syncFiles: false, readBuffers });
      const data = xorshiftBytes(4000, readBuffers ? 7 : 8);
      const h = await store.put(data);
      const bad = data.slice();
      bad[1234]! ^= 0xff;
      fs.writeFileSync(store.blockPath(h), bad);
      expect(hex((await store.getUnverified(h))!)).toBe(hex(bad));
      const e = await store.get(h).then(
        () => null,
        (x: unknown) => x,
      );
      expect(e).toBeInstanceOf(IntegrityError);
      expect((e as IntegrityError).exitCode).toBe(4);
      expect((e as IntegrityError).message).toContain(hashToString(h));
    }
  });

  it('a missing block is null, with or without a pool', async () => {
    const missing = hashBlock(xorshiftBytes(10, 99));
    for (const readBuffers of [new BlockBufferPool(CAPACITY), undefined]) {
      const store = new FsBlockStore(dir, { syncReads, syncFiles: false, readBuffers });
      expect(await store.getUnverified(missing)).toBeNull();
      expect(await store.get(missing)).toBeNull();
    }
  });

  it('without a pool: a view at offset 0 covering its whole ArrayBuffer', async () => {
    const store = new FsBlockStore(dir, { syncReads, syncFiles: false });
    for (const [i, size] of [0, 1, 100, 1000, 8191, 8192, 262_144, 262_160].entries()) {
      const data = xorshiftBytes(size, 70 + i);
      const h = await store.put(data);
      const got = (await store.getUnverified(h))!;
      expect(got.byteOffset).toBe(0);
      expect(got.buffer.byteLength).toBe(size);
      expect(hex(got)).toBe(hex(data));
    }
  });
});

describe('MemoryBlockStore.getUnverified', () => {
  it('returns a copy of the stored bytes, unverified; missing is null', async () => {
    const store = new MemoryBlockStore();
    const data = xorshiftBytes(500, 5);
    const h = await store.put(data);
    const got = (await store.getUnverified(h))!;
    expect(hex(got)).toBe(hex(data));
    got[0]! ^= 1;
    expect(hex((await store.get(h))!)).toBe(hex(data));
    const bad = data.slice();
    bad[0]! ^= 1;
    store.putRaw(h, bad);
    expect(hex((await store.getUnverified(h))!)).toBe(hex(bad));
    await expect(store.get(h)).rejects.toBeInstanceOf(IntegrityError);
    expect(await store.getUnverified(hashBlock(xorshiftBytes(3, 1)))).toBeNull();
  });
});
