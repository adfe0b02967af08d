import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { FormatError, NotFoundError } from '../../../src/errors.js';
import { MemoryBlockStore } from '../../../src/store/memory.js';
import { encodeMTree, type MTree } from '../../../src/tree/node.js';
import { walkTree } from '../../../src/tree/reader.js';
import { treeTotals } from '../../../src/tree/totals.js';

/**
 * A random tree with shared subtrees: level 0 holds leaves over a few data blocks of
 * different sizes; each higher level holds nodes whose children are drawn (with repeats)
 * from the level below. The last level's first node is the root.
 */
const sharedShape = fc.record({
  dataSizes: fc.array(fc.integer({ min: 0, max: 300 }), { minLength: 1, maxLength: 5 }),
  leaves: fc.array(fc.array(fc.nat(), { minLength: 0, maxLength: 12 }), {
    minLength: 1,
    maxLength: 4,
  }),
  levels: fc.array(
    fc.array(fc.array(fc.nat(), { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 3 }),
    { minLength: 0, maxLength: 4 },
  ),
});

async function build(shape: typeof sharedShape extends fc.Arbitrary<infer T> ? T : never) {
  const store = new MemoryBlockStore();
  const data = await Promise.all(
    shape.dataSizes.map((n, i) => store.put(new Uint8Array(n).fill(i + 1))),
  );
  let below = await Promise.all(
    shape.leaves.map((picks) =>
      store.put(encodeMTree({ type: 'leaf', hashes: picks.map((p) => data[p % data.length]!) })),
    ),
  );
  for (const [i, level] of shape.levels.entries()) {
    const prev = below;
    below = await Promise.all(
      level.map((picks) =>
        store.put(
          encodeMTree({
            type: 'node',
            height: i + 1,
            children: picks.map((p) => prev[p % prev.length]!),
          }),
        ),
      ),
    );
  }
  return { store, root: below[0]! };
}

const sizeOf = (store: MemoryBlockStore) => async (h: Uint8Array) =>
  (await store.get(h))?.length ?? null;

describe('treeTotals', () => {
  it('equals a block-by-block walk on random trees with shared subtrees', async () => {
    await fc.assert(
      fc.asyncProperty(sharedShape, async (shape) => {
        const { store, root } = await build(shape);
        let blocks = 0n;
        let stored = 0n;
        let first: Uint8Array | null = null;
        for await (const h of walkTree(store, root)) {
          first ??= h;
          blocks++;
          stored += BigInt((await store.get(h))!.length);
        }
        const t = await treeTotals(store, root, {
          sizeOf: sizeOf(store),
          plainSize: (s) => s - 1,
        });
        expect(t.blocks).toBe(blocks);
        expect(t.storedBytes).toBe(stored);
        expect(t.plainBytes).toBe(stored - blocks);
        expect(t.firstData).toEqual(first);
      }),
      { numRuns: 60 },
    );
  });

  it('reads each distinct tree block once and each data size once per leaf', async () => {
    const store = new MemoryBlockStore();
    const data = await store.put(new Uint8Array(10));
    let top = await store.put(encodeMTree({ type: 'leaf', hashes: Array(1024).fill(data) }));
    for (let height = 1; height <= 3; height++)
      top = await store.put(encodeMTree({ type: 'node', height, children: Array(256).fill(top) }));
    let gets = 0;
    let sizes = 0;
    const counting = { get: (h: Uint8Array) => (gets++, store.get(h)) };
    const t = await treeTotals(counting, top, {
      sizeOf: async (h) => (sizes++, (await store.get(h))?.length ?? null),
    });
    expect(t.blocks).toBe(256n ** 3n * 1024n);
    expect(t.storedBytes).toBe(256n ** 3n * 1024n * 10n);
    expect(gets).toBe(4);
    expect(sizes).toBe(1);
  });

  it('a refused plaintext size makes plainBytes null; a missing data block is NotFound', async () => {
    const store = new MemoryBlockStore();
    const a = await store.put(new Uint8Array(5));
    const b = await store.put(new Uint8Array(7));
    const leaf = await store.put(encodeMTree({ type: 'leaf', hashes: [a, b] }));
    const t = await treeTotals(store, leaf, {
      sizeOf: sizeOf(store),
      plainSize: (s) => (s === 7 ? null : s),
    });
    expect(t.plainBytes).toBeNull();
    expect(t.storedBytes).toBe(12n);
    await store.del(b);
    await expect(treeTotals(store, leaf, { sizeOf: sizeOf(store) })).rejects.toThrow(NotFoundError);
  });

  it('a subtree summed at a shallow place is still too deep where it recurs deeper', async () => {
    // root → [x, n1]; n1 → [x]; x is a node over a leaf. With maxDepth 3, x fits as the
    // root's child (depths 2..3) but not as n1's child (depths 3..4).
    const store = new MemoryBlockStore();
    const leaf = await store.put(encodeMTree({ type: 'leaf', hashes: [] }));
    const node = (height: number, children: Uint8Array[]): MTree => ({
      type: 'node',
      height,
      children,
    });
    const x = await store.put(encodeMTree(node(1, [leaf])));
    const n1 = await store.put(encodeMTree(node(2, [x])));
    const root = await store.put(encodeMTree(node(3, [x, n1])));
    const walk = async () => {
      for await (const _ of walkTree(store, root, { maxDepth: 3 }));
    };
    await expect(walk()).rejects.toThrow(FormatError);
    await expect(treeTotals(store, root, { sizeOf: sizeOf(store), maxDepth: 3 })).rejects.toThrow(
      /nested deeper than 3 levels/,
    );
    await expect(
      treeTotals(store, root, { sizeOf: sizeOf(store), maxDepth: 4 }),
    ).resolves.toMatchObject({
      blocks: 0n,
    });
  });
});
