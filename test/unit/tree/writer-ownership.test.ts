/**
 * writeTree's block buffers and its transforms: the writer recycles exactly the buffer a
 * transform's result names (`recycle`), never one the transform kept. A buffer recycled
 * while still in use is overwritten by a later block, which these tests see. The worker
 * pool runs only from the build, so it is imported from `dist/` (`npm test` builds first).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workerPool, type BlockRunner } from '../../../dist/parallel/pool.js';
import { MemoryBlockStore } from '../../../src/store/memory.js';
import { writeEncryptedTree } from '../../../src/tree/encrypted-tree.js';
import { readTree } from '../../../src/tree/reader.js';
import { hashingTransform, writeTree, type BlockTransform } from '../../../src/tree/writer.js';
import { xorshiftBytes } from '../../helpers/bytes.js';

const BLOCK = 64;
const BLOCKS = 40;
const PARALLELISM = 4;
const input = xorshiftBytes(BLOCK * BLOCKS, 7);

/** Transformed bytes: different from the input, so a mix-up shows in the stored tree. */
const xored = (bytes: Uint8Array): Uint8Array => bytes.map((b) => b ^ 0x5a);

/** A block's transformed form, in a buffer the writer's pool would take if given it. */
function scrambled(plain: Uint8Array): Uint8Array {
  const out = new Uint8Array(new ArrayBuffer(BLOCK), 0, plain.length);
  out.set(xored(plain));
  return out;
}

/** Writes `input` with `transform` and checks the stored tree is the transformed input. */
async function writeAndCheck(transform: BlockTransform): Promise<void> {
  const store = new MemoryBlockStore();
  const w = await writeTree(store, [input], {
    transform,
    blockSize: BLOCK,
    parallelism: PARALLELISM,
  });
  expect(w.blocks).toBe(BLOCKS);
  const stored: Uint8Array[] = [];
  for await (const b of readTree(store, w.root)) stored.push(b);
  expect(Buffer.concat(stored)).toEqual(Buffer.from(xored(input)));
}

/** Buffers a test holds on to, with the bytes each held when it was kept. */
class Kept {
  private readonly items: { view: Uint8Array; bytes: Uint8Array }[] = [];
  readonly buffers = new Set<ArrayBufferLike>();

  keep(view: Uint8Array): void {
    this.items.push({ view, bytes: view.slice() });
    this.buffers.add(view.buffer);
  }

  /** How many kept buffers no longer hold what they held when kept. */
  overwritten(): number {
    return this.items.filter((k) => !Buffer.from(k.view).equals(Buffer.from(k.bytes))).length;
  }
}

describe('writeTree recycles what the transform hands back, nothing else', () => {
  it('a transform that keeps its input and hands over a new block: the new one goes round', async () => {
    const inputs = new Kept();
    const outputs = new Set<ArrayBufferLike>();
    let reusedOutputs = 0;
    await writeAndCheck((plain) => {
      if (outputs.has(plain.buffer)) reusedOutputs++;
      inputs.keep(plain);
      const block = scrambled(plain);
      outputs.add(block.buffer);
      return { block, recycle: block };
    });
    // Recycling a kept input would let a later block be read into it.
    expect(inputs.overwritten()).toBe(0);
    // The handed-over blocks did come back as later blocks' buffers.
    expect(reusedOutputs).toBeGreaterThan(BLOCKS / 2);
  });

  it('a transform that takes its input and keeps its output too: the writer reuses neither', async () => {
    const outputs = new Kept();
    const detached: Uint8Array[] = [];
    let outputsGivenAsInput = 0;
    await writeAndCheck((plain) => {
      if (outputs.buffers.has(plain.buffer)) outputsGivenAsInput++;
      const block = scrambled(plain);
      // Taken as a worker would take it: detached from the writer's side.
      const moved = structuredClone(plain.buffer, { transfer: [plain.buffer as ArrayBuffer] });
      detached.push(plain);
      outputs.keep(block);
      expect(moved.byteLength).toBe(BLOCK);
      return { block, recycle: null };
    });
    expect(outputsGivenAsInput).toBe(0);
    expect(outputs.overwritten()).toBe(0);
    expect(detached.every((p) => p.byteLength === 0)).toBe(true);
  });

  it('a transform that borrows its input (a bare block): the input goes round, the output is left alone', async () => {
    const outputs = new Kept();
    const inputBuffers = new Set<ArrayBufferLike>();
    await writeAndCheck((plain) => {
      inputBuffers.add(plain.buffer);
      const block = scrambled(plain);
      outputs.keep(block);
      return block;
    });
    expect(outputs.overwritten()).toBe(0);
    for (const b of outputs.buffers) expect(inputBuffers.has(b)).toBe(false);
    // A few buffers went round instead of one per block.
    expect(inputBuffers.size).toBeLessThanOrEqual(PARALLELISM + 2);
  });
});

describe('transforms that hand blocks to workers (a real pool of 2)', () => {
  let pool: BlockRunner;
  beforeAll(() => {
    pool = workerPool(2);
  });
  afterAll(async () => {
    await pool.close();
  });

  /** Every stored block, by hash, and the root (all blocks full, so all are transferred). */
  async function written(
    write: (store: MemoryBlockStore) => Promise<Uint8Array>,
  ): Promise<{ root: string; blocks: number }> {
    const store = new MemoryBlockStore();
    const root = await write(store);
    return { root: Buffer.from(root).toString('hex'), blocks: store.writes };
  }

  it('hashing in workers stores the same tree as hashing here', async () => {
    const opts = { blockSize: BLOCK, parallelism: 8 };
    const here = await written(async (s) => (await writeTree(s, [input], opts)).root);
    const inPool = await written(
      async (s) =>
        (await writeTree(s, [input], { ...opts, transform: hashingTransform(pool) })).root,
    );
    expect(inPool).toEqual(here);
  });

  it('encrypting in workers (each result in the block’s own buffer) gives the inline ciphertexts', async () => {
    const params = {
      secret: xorshiftBytes(32, 11),
      groupKeyHash: xorshiftBytes(32, 12),
      nonceS: xorshiftBytes(32, 13),
    };
    for (const method of [1, 2] as const) {
      const opts = { blockSize: BLOCK, parallelism: 8 };
      const write = (runner?: BlockRunner) => async (s: MemoryBlockStore) =>
        (await writeEncryptedTree(s, [input], { ...params, method, runner }, opts)).annotation;
      expect(await written(write(pool))).toEqual(await written(write()));
    }
  });
});
