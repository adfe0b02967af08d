import { describe, expect, it } from 'vitest';
import { NotFoundError } from '../../../src/errors.js';
import { generateGroupKey } from '../../../src/groupkey/index.js';
import { generateKeyring } from '../../../src/keyring/keyring.js';
import { storeEncrypted, storePlain } from '../../../src/ops/content.js';
import { deleteBlocks, planDelete } from '../../../src/pins/delete-plan.js';
import { hashToString } from '../../../src/store/hash.js';
import { MemoryBlockStore } from '../../../src/store/memory.js';
import { collectDeps } from '../../../src/tree/deps.js';

/** 700 KB: three data blocks and a tree block. */
const bytes = (n: number, seed: number) => new Uint8Array(n).map((_, i) => (i * seed + 7) & 255);
const names = (hs: readonly Uint8Array[]) => hs.map(hashToString);

/** A store with the blocks StoreBlocks adds (sizeOf). */
function sizedStore() {
  const store = new MemoryBlockStore();
  return Object.assign(store, {
    sizeOf: async (h: Uint8Array) => (await store.get(h))?.length ?? null,
  });
}

async function depsOf(store: MemoryBlockStore, root: Uint8Array): Promise<string[]> {
  const out: string[] = [];
  for await (const d of collectDeps(store, root)) out.push(hashToString(d.hash));
  return out;
}

describe('planDelete / deleteBlocks', () => {
  it('without recursion: the root only; a missing root is NotFoundError with its name', async () => {
    const store = sizedStore();
    const { root } = await storePlain(store, [bytes(700_000, 3)]);
    const plan = await planDelete(store, [root]);
    expect(names(plan.blocks)).toEqual([hashToString(root)]);
    expect(plan.bytes).toBe((await store.get(root))!.length);
    await expect(planDelete(store, [new Uint8Array(32)], { names: ['THAT'] })).rejects.toThrow(
      new NotFoundError('block THAT not found'),
    );
  });

  it('recursive: every block, root last; --keep spares what another tree shares', async () => {
    const store = sizedStore();
    const shared = bytes(262_144, 5);
    const a = await storePlain(store, [shared, bytes(300_000, 7)]);
    const b = await storePlain(store, [shared, bytes(300_000, 11)]);
    const all = await depsOf(store, a.root);
    const plan = await planDelete(store, [a.root], { recursive: true });
    expect(names(plan.blocks).sort()).toEqual([...all].sort());
    expect(names(plan.blocks).at(-1)).toBe(hashToString(a.root));

    const keeping = await planDelete(store, [a.root], { recursive: true, keep: [b.root] });
    const bBlocks = new Set(await depsOf(store, b.root));
    expect(keeping.kept).toBe(1); // the shared first data block
    expect(names(keeping.blocks).some((h) => bBlocks.has(h))).toBe(false);
    const gone = await deleteBlocks(store, keeping.blocks);
    expect(gone.deleted).toHaveLength(keeping.blocks.length);
    expect(gone.bytes).toBe(keeping.bytes);
    // b is whole: every block it needs is still there.
    for await (const d of collectDeps(store, b.root)) expect(d.present).toBe(true);
    for (const h of gone.deleted) expect(await store.has(h)).toBe(false);
    // Deleting again finds nothing left to delete.
    expect((await deleteBlocks(store, keeping.blocks)).deleted).toHaveLength(0);
  });

  it("an encrypted tree's group key tree is kept unless asked for", async () => {
    const store = sizedStore();
    const kr = generateKeyring(1);
    const { groupKey } = generateGroupKey([kr.entries[0]!.publicKey]);
    const enc = await storeEncrypted(store, [bytes(100_000, 13)], {
      groupKey,
      keyrings: [{ keyring: kr }],
    });
    const plan = await planDelete(store, [enc.root], { recursive: true });
    expect(names(plan.keptGroupKeys.map((k) => k.hash))).toEqual([hashToString(enc.groupKeyHash)]);
    const gkBlocks = await depsOf(store, enc.groupKeyHash);
    expect(plan.keptGroupKeys[0]!.blocks).toBe(gkBlocks.length);
    expect(names(plan.blocks).some((h) => gkBlocks.includes(h))).toBe(false);
    const everything = await planDelete(store, [enc.root], {
      recursive: true,
      includeGroupKeys: true,
    });
    expect(everything.keptGroupKeys).toEqual([]);
    expect(names(everything.blocks)).toEqual(expect.arrayContaining(gkBlocks));
  });
});
