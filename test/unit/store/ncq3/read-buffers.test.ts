/**
 * NCQ3 reads into a caller's BlockBufferPool (as `cat` streams big trees): each block
 * comes back at the start of a pooled buffer (a decrypting worker then takes that buffer
 * without copying), a released buffer serves the next read, and blocks too big for the
 * pool or absent fall back without losing pooled buffers.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BlockBufferPool } from '../../../../src/store/block-buffers.js';
import { hashBlock } from '../../../../src/store/hash.js';
import { NcqBlockStore } from '../../../../src/store/ncq3/store.js';
import { openStore } from '../../../../src/store/open.js';
import { xorshiftBytes } from '../../../helpers/bytes.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hbs2-ncq3rb-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const CAPACITY = 4096;

async function storeBlocks(blocks: Uint8Array[]): Promise<Uint8Array[]> {
  const w = await NcqBlockStore.open(dir, { write: true });
  const hashes: Uint8Array[] = [];
  for (const b of blocks) hashes.push(await w.put(b));
  await w.close();
  return hashes;
}

describe('NCQ3 reads with a BlockBufferPool', () => {
  it('returns each block at the start of a pooled buffer and reuses released ones', async () => {
    const a = xorshiftBytes(3000, 1);
    const b = xorshiftBytes(1000, 2);
    const [ha, hb] = (await storeBlocks([a, b])) as [Uint8Array, Uint8Array];
    const pool = new BlockBufferPool(CAPACITY);
    const { blocks, close } = await openStore(dir, { ncq3: { readBuffers: pool } });
    const first = (await blocks.get(ha))!;
    expect(first).toEqual(a);
    expect(first.byteOffset).toBe(0);
    expect(first.buffer.byteLength).toBe(CAPACITY);
    const buffer = first.buffer;
    pool.release(first);
    const second = (await blocks.getUnverified!(hb))!;
    expect(second).toEqual(b);
    expect(second.buffer).toBe(buffer); // the released buffer, not a new one
    await close();
  });

  it('reads a block bigger than the pool into a fresh buffer; absent blocks are null', async () => {
    const big = xorshiftBytes(CAPACITY + 100, 3);
    // Its section (header + block) is bigger than a pooled buffer; the block alone fits.
    const small = xorshiftBytes(CAPACITY - 10, 4);
    const [hBig, hSmall] = (await storeBlocks([big, small])) as [Uint8Array, Uint8Array];
    const pool = new BlockBufferPool(CAPACITY);
    const store = await NcqBlockStore.open(dir, { readBuffers: pool });
    const read = (await store.get(hBig))!;
    expect(read).toEqual(big);
    expect(read.buffer.byteLength).not.toBe(CAPACITY);
    expect(await store.get(hashBlock(xorshiftBytes(10, 5)))).toBeNull();
    const s1 = (await store.get(hSmall))!;
    pool.release(s1);
    const s2 = (await store.get(hSmall))!;
    expect(s2).toEqual(small);
    expect(s2.buffer).toBe(s1.buffer);
    await store.close();
  });
});
