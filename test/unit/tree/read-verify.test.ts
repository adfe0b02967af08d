/**
 * Reading encrypted trees with a transform that verifies (decryptTransform with a runner):
 * blocks are read unverified and checked in the runner against the hash the tree gives.
 * Corruption and MAC failures must still be IntegrityErrors naming the block, thrown
 * after every block before it has been yielded.
 *
 * The worker pool loads `worker.js` beside its module, which exists only in the build, so
 * the pooled variant runs the whole pipeline from `dist/` (`npm test` builds first: mixing
 * would give errors of another module's classes); the others run from `src/`.
 */
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { encodeBase58 } from '../../../src/codec/base58.js';
import { crypto } from '../../../src/crypto/index.js';
import * as srcEncrypted from '../../../src/tree/encrypted-tree.js';
import * as srcReader from '../../../src/tree/reader.js';
import * as srcWriter from '../../../src/tree/writer.js';
import * as srcMemory from '../../../src/store/memory.js';
import * as srcFs from '../../../src/store/fs.js';
import * as srcBuffers from '../../../src/store/block-buffers.js';
import * as srcErrors from '../../../src/errors.js';
import * as srcPool from '../../../src/parallel/pool.js';
import * as distEncrypted from '../../../dist/tree/encrypted-tree.js';
import * as distReader from '../../../dist/tree/reader.js';
import * as distWriter from '../../../dist/tree/writer.js';
import * as distMemory from '../../../dist/store/memory.js';
import * as distFs from '../../../dist/store/fs.js';
import * as distBuffers from '../../../dist/store/block-buffers.js';
import * as distErrors from '../../../dist/errors.js';
import * as distPool from '../../../dist/parallel/pool.js';
import type { BlockRunner } from '../../../src/parallel/pool.js';
import type { BlockSource, BlockStore } from '../../../src/store/blockstore.js';
import type { MTreeAnn } from '../../../src/tree/annotation.js';
import type { ReadTransform } from '../../../src/tree/reader.js';
import { xorshiftBytes } from '../../helpers/bytes.js';

const srcLib = {
  ...srcEncrypted,
  ...srcReader,
  ...srcWriter,
  ...srcMemory,
  ...srcFs,
  ...srcBuffers,
  ...srcErrors,
  ...srcPool,
};
type Lib = typeof srcLib;
// Same declarations, built: the classes differ only in identity.
const distLib = {
  ...distEncrypted,
  ...distReader,
  ...distWriter,
  ...distMemory,
  ...distFs,
  ...distBuffers,
  ...distErrors,
  ...distPool,
} as unknown as Lib;

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

const BLOCK = 1000;
const DATA = xorshiftBytes(5 * BLOCK + 321, 7); // 6 data blocks, the last one short
const secret = xorshiftBytes(32, 8);
const otherSecret = xorshiftBytes(32, 9);
const nonceS = xorshiftBytes(32, 10);
const groupKeyHash = xorshiftBytes(32, 11);
const params = { secret, groupKeyHash, nonceS };

function* chunks(): Iterable<Uint8Array> {
  // Odd-sized input pieces, so the chunker has to join them.
  for (let off = 0; off < DATA.length; off += 777) yield DATA.subarray(off, off + 777);
}

interface Variant {
  name: string;
  lib: Lib;
  runner: () => BlockRunner | undefined;
  /** Whether decryptTransform verifies (in the runner) instead of the store. */
  verifies: boolean;
}

let pool: BlockRunner | undefined;
afterAll(async () => {
  await pool?.close();
});

const variants: Variant[] = [
  { name: 'src, no runner', lib: srcLib, runner: () => undefined, verifies: false },
  {
    name: 'src, inline runner',
    lib: srcLib,
    runner: () => srcLib.inlineRunner(),
    verifies: true,
  },
  {
    name: 'dist, workerPool(2)',
    lib: distLib,
    runner: () => (pool ??= distLib.workerPool(2)),
    verifies: true,
  },
];

interface Written {
  store: BlockStore;
  root: { hash: Uint8Array; tree: MTreeAnn['tree'] };
  ann: MTreeAnn;
  /** The data block hashes, in order. */
  dataHashes: Uint8Array[];
  /** Replaces the stored bytes of a block (without renaming it). */
  overwrite(hash: Uint8Array, block: Uint8Array): void;
}

async function collect(it: AsyncIterable<Uint8Array>): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for await (const b of it) out.push(b.slice());
  return out;
}

/** Reads until the tree fails: the blocks yielded before, and the error. */
async function readUntilError(
  it: AsyncIterable<Uint8Array>,
): Promise<{ before: Uint8Array[]; error: unknown }> {
  const before: Uint8Array[] = [];
  try {
    for await (const b of it) before.push(b.slice());
  } catch (error) {
    return { before, error };
  }
  throw new Error('expected the read to fail, it completed');
}

function concat(parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}

describe.each(variants)('reading an encrypted tree ($name)', ({ lib, runner, verifies }) => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hbs2-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const stores: [string, () => { store: BlockStore; overwrite: Written['overwrite'] }][] = [
    [
      'MemoryBlockStore',
      () => {
        const store = new lib.MemoryBlockStore();
        return { store, overwrite: (h, b) => store.putRaw(h, b) };
      },
    ],
    [
      'FsBlockStore with read buffers',
      () => {
        const store = new lib.FsBlockStore(dir, {
          syncFiles: false,
          readBuffers: new lib.BlockBufferPool(BLOCK + 64),
        });
        return { store, overwrite: (h, b) => fs.writeFileSync(store.blockPath(h), b) };
      },
    ],
  ];

  /** Writes DATA as an encrypted tree; `wrongKeyAt` stores that block with another key. */
  async function write(
    makeStore: () => { store: BlockStore; overwrite: Written['overwrite'] },
    wrongKeyAt?: bigint,
  ): Promise<Written> {
    const { store, overwrite } = makeStore();
    let root: Written['root'];
    let ann: MTreeAnn;
    if (wrongKeyAt === undefined) {
      const res = await lib.writeEncryptedTree(store, chunks(), params, { blockSize: BLOCK });
      root = { hash: res.root, tree: res.rootNode };
      ann = res.ann;
    } else {
      const good = lib.method1Transform(secret, nonceS);
      const bad = lib.method1Transform(otherSecret, nonceS);
      const res = await lib.writeTree(store, chunks(), {
        blockSize: BLOCK,
        transform: (plain, index) => (index === wrongKeyAt ? bad : good)(plain, index),
      });
      root = { hash: res.root, tree: res.rootNode };
      ann = {
        meta: { kind: 'none' },
        crypt: { kind: 'symm1', groupKey: groupKeyHash, nonce: nonceS },
        tree: res.rootNode,
      };
    }
    const dataHashes: Uint8Array[] = [];
    for await (const h of lib.walkTree(store, root)) dataHashes.push(h);
    expect(dataHashes).toHaveLength(6);
    return { store, root, ann, dataHashes, overwrite };
  }

  describe.each(stores)('%s', (_storeName, makeStore) => {
    it('gives back the plaintext, block by block', async () => {
      const w = await write(makeStore);
      const transform = lib.decryptTransform(w.ann, secret, runner());
      // Only a runner's transform checks hashes itself (and so reads blocks unverified).
      expect(transform.verifies === true).toBe(verifies);
      const blocks = await collect(lib.readTree(w.store, w.root, { transform }));
      expect(blocks.map((b) => b.length)).toEqual([...Array(5).fill(BLOCK), 321]);
      expect(hex(concat(blocks))).toBe(hex(DATA));
    });

    it('a corrupted data block fails with an IntegrityError naming it, after the ones before', async () => {
      const w = await write(makeStore);
      const k = 3; // 0-based: the fourth data block
      const h = w.dataHashes[k]!;
      const stored = (await w.store.get(h))!;
      const bad = stored.slice();
      bad[100]! ^= 0x20;
      w.overwrite(h, bad);
      const transform = lib.decryptTransform(w.ann, secret, runner());
      const { before, error } = await readUntilError(lib.readTree(w.store, w.root, { transform }));
      expect(error).toBeInstanceOf(lib.IntegrityError);
      expect((error as srcErrors.IntegrityError).exitCode).toBe(4);
      expect((error as Error).message).toContain(encodeBase58(h));
      expect(before).toHaveLength(k);
      expect(hex(concat(before))).toBe(hex(DATA.subarray(0, k * BLOCK)));
    });

    it('a block that hashes right but does not open fails naming `data block N (<hash>)`', async () => {
      const w = await write(makeStore, 2n);
      const h = w.dataHashes[1]!;
      const transform = lib.decryptTransform(w.ann, secret, runner());
      const { before, error } = await readUntilError(lib.readTree(w.store, w.root, { transform }));
      expect(error).toBeInstanceOf(lib.IntegrityError);
      expect((error as srcErrors.IntegrityError).exitCode).toBe(4);
      expect((error as Error).message).toContain(`data block 2 (${encodeBase58(h)})`);
      expect((error as Error).message).toMatch(/MAC/);
      expect(before).toHaveLength(1);
      expect(hex(before[0]!)).toBe(hex(DATA.subarray(0, BLOCK)));
    });

    it('a whole tree read with the wrong secret fails on the first block', async () => {
      const w = await write(makeStore);
      const transform = lib.decryptTransform(w.ann, otherSecret, runner());
      const { before, error } = await readUntilError(lib.readTree(w.store, w.root, { transform }));
      expect(error).toBeInstanceOf(lib.IntegrityError);
      expect((error as Error).message).toContain(
        `data block 1 (${encodeBase58(w.dataHashes[0]!)})`,
      );
      expect(before).toHaveLength(0);
    });
  });

  it('a verifying transform gets each block’s hash; the store’s own check is skipped', async () => {
    const w = await write(stores[0]![1]);
    const inner = lib.decryptTransform(w.ann, secret, runner());
    const seen: (string | undefined)[] = [];
    const spy: ReadTransform = Object.assign(
      (s: Uint8Array, i: bigint, e?: Uint8Array) => {
        seen.push(e && encodeBase58(e));
        return inner(s, i, e);
      },
      { verifies: inner.verifies },
    );
    let gets = 0;
    let unverified = 0;
    const source: BlockSource = {
      get: (h) => (gets++, w.store.get(h)),
      getUnverified: (h) => (unverified++, w.store.getUnverified!(h)),
    };
    const blocks = await collect(lib.readTree(source, w.root, { transform: spy }));
    expect(hex(concat(blocks))).toBe(hex(DATA));
    if (inner.verifies) {
      expect(seen).toEqual(w.dataHashes.map((h) => encodeBase58(h)));
      expect(unverified).toBe(6);
      expect(gets).toBe(0);
    } else {
      expect(seen).toEqual(Array(6).fill(undefined));
      expect(unverified).toBe(0);
      expect(gets).toBe(6);
    }
  });

  it('a verifying transform over a source without getUnverified uses verified get, no hash', async () => {
    const w = await write(stores[0]![1]);
    const inner = lib.decryptTransform(w.ann, secret, runner());
    const seen: (Uint8Array | undefined)[] = [];
    const spy: ReadTransform = Object.assign(
      (s: Uint8Array, i: bigint, e?: Uint8Array) => {
        seen.push(e);
        return inner(s, i, e);
      },
      { verifies: true },
    );
    const source: BlockSource = { get: (h) => w.store.get(h) };
    const blocks = await collect(lib.readTree(source, w.root, { transform: spy }));
    expect(hex(concat(blocks))).toBe(hex(DATA));
    expect(seen).toEqual(Array(6).fill(undefined));
    // Corruption is still caught, by the store's get.
    const h = w.dataHashes[4]!;
    const bad = (await w.store.get(h))!.slice();
    bad[0]! ^= 1;
    w.overwrite(h, bad);
    const { before, error } = await readUntilError(
      lib.readTree(source, w.root, { transform: spy }),
    );
    expect(error).toBeInstanceOf(lib.IntegrityError);
    expect((error as Error).message).toContain(encodeBase58(h));
    expect(before).toHaveLength(4);
  });

  // Regression: the pooled path once told a MAC failure from other IntegrityErrors with
  // /MAC/.test(message); a corruption message names base58 hashes, which can contain
  // "MAC", and was then reported as a MAC failure without its fsck hint.
  it('a corrupted block whose actual hash reads "MAC" in base58 is still reported as corrupt', async () => {
    const w = await write(stores[0]![1]);
    const h = w.dataHashes[2]!;
    const stored = (await w.store.get(h))!;
    // Corrupt the block until the hash of its bytes happens to contain "MAC" (about one
    // try in 5,000): the corruption message names that hash.
    const bad = stored.slice();
    const view = new DataView(bad.buffer);
    let tries = 0;
    do view.setUint32(0, ++tries);
    while (!encodeBase58(crypto().blake2b256(bad)).includes('MAC') && tries < 1_000_000);
    expect(encodeBase58(crypto().blake2b256(bad))).toContain('MAC');
    w.overwrite(h, bad);
    const transform = lib.decryptTransform(w.ann, secret, runner());
    const { before, error } = await readUntilError(lib.readTree(w.store, w.root, { transform }));
    expect(error).toBeInstanceOf(lib.IntegrityError);
    expect((error as Error).message).toContain(`block ${encodeBase58(h)} is corrupt`);
    expect((error as srcErrors.IntegrityError).hint).toMatch(/fsck/);
    expect(before).toHaveLength(2);
  });
});

describe('decryptTransform with a runner is marked verifies', () => {
  it('only when a runner is given (method 1)', async () => {
    const store = new srcLib.MemoryBlockStore();
    const res = await srcLib.writeEncryptedTree(store, [xorshiftBytes(10, 1)], params);
    expect(srcLib.decryptTransform(res.ann, secret).verifies).toBeFalsy();
    expect(srcLib.decryptTransform(res.ann, secret, srcLib.inlineRunner()).verifies).toBe(true);
  });
});
