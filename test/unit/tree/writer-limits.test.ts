import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/errors.js';
import { MAX_BLOCK_SIZE } from '../../../src/store/limits.js';
import { MemoryBlockStore } from '../../../src/store/memory.js';
import { readTree } from '../../../src/tree/reader.js';
import { writeTree } from '../../../src/tree/writer.js';

describe('writeTree and the block size limit', () => {
  it('refuses data blocks readers would refuse, accepts the largest allowed', async () => {
    const store = new MemoryBlockStore();
    const half = MAX_BLOCK_SIZE / 2;
    await expect(writeTree(store, [new Uint8Array(10)], { blockSize: half + 1 })).rejects.toThrow(
      UsageError,
    );
    const w = await writeTree(store, [new Uint8Array(half + 1)], { blockSize: half });
    const out = [];
    for await (const b of readTree(store, w.root)) out.push(b.length);
    expect(out).toEqual([half, 1]);
  });
});
