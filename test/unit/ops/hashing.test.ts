/**
 * `treeRootOf` and `blake2b256Of` (what `hbs2 hash [--tree]` prints) and `storePlain`
 * with a worker pool: the root is hbs2's, nothing is stored, and hashing in workers gives
 * the same root and blocks as hashing on this thread.
 */
import { afterAll, describe, expect, it } from 'vitest';
import {
  blake2b256Of,
  encodeBase58,
  hashBlock,
  MemoryBlockStore,
  storePlain,
  treeRootOf,
} from '../../../src/index.js';
import { workerPool } from '../../../dist/parallel/pool.js';
import { xorshiftBytes } from '../../helpers/bytes.js';

const text = new TextEncoder().encode('hello world');

async function names(store: MemoryBlockStore): Promise<string[]> {
  const out: string[] = [];
  for await (const h of store.hashes()) out.push(encodeBase58(h));
  return out.sort();
}

describe('treeRootOf', () => {
  it("gives hbs2's root of 'hello world' and the root storePlain stores", async () => {
    expect(encodeBase58((await treeRootOf([text])).root)).toBe(
      'FMqApxg8fAWSnamHHwHX3hCSXvDFZe1UoqpPmfeCvtu9',
    );
    const data = xorshiftBytes(700_000, 5);
    const store = new MemoryBlockStore();
    const stored = await storePlain(store, [data.subarray(0, 1000), data.subarray(1000)]);
    const hashed = await treeRootOf([data]);
    expect(hashed).toEqual(stored);
    const ann = await treeRootOf([data], { metadata: 'file-name: "a"' });
    expect(ann.root).toEqual(
      (await storePlain(new MemoryBlockStore(), [data], { metadata: 'file-name: "a"' })).root,
    );
  });
});

describe('blake2b256Of', () => {
  it('is the hash of the whole input as one block, however it is cut', async () => {
    const data = xorshiftBytes(300_000, 9);
    const cut = [data.subarray(0, 1), data.subarray(1, 65_537), data.subarray(65_537)];
    expect(await blake2b256Of(cut)).toEqual(hashBlock(data));
    expect(await blake2b256Of([])).toEqual(hashBlock(new Uint8Array()));
  });

  it('stops at the next chunk once aborted', async () => {
    const ctl = new AbortController();
    ctl.abort(new Error('stopped'));
    await expect(blake2b256Of([text], ctl.signal)).rejects.toThrow('stopped');
  });
});

describe('storePlain with a worker pool', () => {
  const pool = workerPool(2);
  afterAll(() => pool.close());

  it('hashes in the workers and stores the same blocks and root as on this thread', async () => {
    const data = xorshiftBytes(5 * 262_144 + 17, 11);
    const inline = new MemoryBlockStore();
    const pooled = new MemoryBlockStore();
    const a = await storePlain(inline, [data]);
    let jobs = 0;
    const counting: typeof pool = {
      parallelism: pool.parallelism,
      run: (job, opts) => {
        jobs++;
        return pool.run(job, opts);
      },
      close: () => pool.close(),
    };
    const b = await storePlain(pooled, [data], { runner: counting, parallelism: 3 });
    expect(b).toEqual(a);
    expect(jobs).toBe(6);
    const plainMeta = await storePlain(pooled, [data], { runner: pool, metadata: 'x: "y"' });
    expect(plainMeta.root).toEqual((await storePlain(inline, [data], { metadata: 'x: "y"' })).root);
    expect(await names(pooled)).toEqual(await names(inline));
  });
});
