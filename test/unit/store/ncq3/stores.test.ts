/**
 * Every hbs2-written NCQ3 store (test/vectors/hbs2-written-ncq3) read as its manifests say:
 * blocks with their content and hash, the 3 MiB+17 tree, deleted blocks and refs absent,
 * refs with their latest value, and torn tails cut exactly where hbs2 cut them.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NcqBlockStore } from '../../../../src/store/ncq3/store.js';
import { hashBlock, parseHash } from '../../../../src/store/hash.js';
import { readObject } from '../../../../src/tree/index.js';
import {
  CRASHED,
  F3MIB17_ROOT,
  GONE,
  NCQ3_VECTORS,
  REFS,
  WHOLE_STORES,
  f3MiB17,
  manifestSections,
  manyBlocks,
  materializeStore,
  multiBlocks,
  wholeStore,
} from '../../../helpers/ncq3-vectors.js';

const hex = (h: string) => Uint8Array.from(Buffer.from(h, 'hex'));
const toHex = (b: Uint8Array | null) => (b ? Buffer.from(b).toString('hex') : null);
/** Byte equality without a deep comparison of megabytes (vitest's is element by element). */
const expectBytes = (actual: Uint8Array | null, expected: Uint8Array, what?: string) =>
  expect(actual !== null && Buffer.from(actual).equals(expected), what).toBe(true);

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hbs2-ncq3-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Opens a store (rebuilding a crashed one in the temp dir), runs `body`, closes it. */
async function withStore<T>(name: string, body: (s: NcqBlockStore) => Promise<T>): Promise<T> {
  const prefix = name.startsWith('crashed/')
    ? materializeStore(name, tmp)
    : wholeStore(name as (typeof WHOLE_STORES)[number]);
  const store = await NcqBlockStore.open(prefix);
  try {
    return await body(store);
  } finally {
    await store.close();
  }
}

/**
 * What manifest-sections.txt implies for a store whose every data file is readable: the
 * last section of each key decides; a B section with a payload is a block of that size,
 * anything else (a tombstone, an empty block, which hbs2 cannot tell from one) is absent.
 */
function expectedBlocks(store: string): { present: Map<string, number>; absent: Set<string> } {
  const last = new Map<string, { kind: string; payload: number }>();
  for (const s of manifestSections(store)) if (s.kind !== 'M') last.set(s.keyHex, s);
  const present = new Map<string, number>();
  const absent = new Set<string>();
  for (const [key, s] of last)
    if (s.kind === 'B' && s.payload > 0) present.set(key, s.payload);
    else if (s.kind !== 'R') absent.add(key);
  return { present, absent };
}

async function readAll(store: NcqBlockStore, root: string): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const b of readObject(store, parseHash(root))) parts.push(b.slice());
  return Buffer.concat(parts);
}

/** Blocks, deletions and refs of small/ and the stores holding its data file. */
async function expectSmallContent(store: NcqBlockStore, expectedFrom: string): Promise<void> {
  const { present, absent } = expectedBlocks(expectedFrom);
  expect(present.size).toBe(18);
  for (const [key, size] of present) {
    const block = await store.get(hex(key));
    expect(block?.length, key).toBe(size);
    expect(toHex(hashBlock(block!))).toBe(key);
    expect(await store.has(hex(key))).toBe(true);
    expect(await store.sizeOf(hex(key))).toBe(size);
  }
  // The deleted ref's tombstone (its salted key) is listed too: no block under that key.
  const k2Salted = 'eb9d3ea9870eaca439938aa6ce93dea8bfcdec79c036850d2ce8a3b58ec70af6';
  expect([...absent].sort()).toEqual([GONE.empty, GONE.toBeDeleted, k2Salted].sort());
  for (const key of absent) {
    expect(await store.get(hex(key))).toBeNull();
    expect(await store.has(hex(key))).toBe(false);
    expect(await store.sizeOf(hex(key))).toBeNull();
  }
  const hello = await store.get(hashBlock(new TextEncoder().encode('hello')));
  expect(Buffer.from(hello!).toString()).toBe('hello');
  for (const seq of [1, 2]) {
    const box = fs.readFileSync(path.join(NCQ3_VECTORS, `lwwref/seq${seq}.signedbox`));
    expectBytes(await store.get(hashBlock(box)), box);
  }
  expectBytes(await readAll(store, F3MIB17_ROOT), f3MiB17());
  // The overwritten ref reads its second value; the deleted one reads as absent.
  expect(toHex(await store.getRef(hex(REFS.k)))).toBe(REFS.seq2Box);
  expect(await store.getRef(hex(REFS.k2))).toBeNull();
}

describe('hbs2-written NCQ3 stores', () => {
  it('small/: one pending data file, never indexed', async () => {
    await withStore('small', async (s) => {
      expect(s.state.indexes).toEqual([]);
      expect(s.pending.map((p) => [p.dataKey, p.indexed])).toEqual([[1n, 3147811]]);
      await expectSmallContent(s, 'small');
    });
  });

  it('small-reopened/: the same content through the index hbs2 made', async () => {
    await withStore('small-reopened', async (s) => {
      expect(s.state.indexes.map((i) => i.key)).toEqual([3n]);
      // Only the 48-byte tail-only file is pending, and hbs2 skips it.
      expect(s.pending.map((p) => [p.dataKey, p.indexed])).toEqual([[5n, 0]]);
      await expectSmallContent(s, 'small-reopened');
    });
  });

  for (const name of ['spec69', 'spec69-reopened'] as const)
    it(`${name}/: the §6.9 file (hello and one ref)`, async () => {
      await withStore(name, async (s) => {
        const { present } = expectedBlocks(name);
        expect([...present.keys()]).toEqual([toHex(hashBlock(new TextEncoder().encode('hello')))]);
        expect(Buffer.from((await s.get([...present.keys()].map(hex)[0]!))!).toString()).toBe(
          'hello',
        );
        expect(toHex(await s.getRef(hex(REFS.k)))).toBe(REFS.seq1Box);
        // A ref's salted key is not a block.
        expect(
          await s.get(hex('8357441525ca8214dae44768dd25ab5459f9342c250c115d492f69a4d0783e58')),
        ).toBeNull();
      });
    });

  it('multi/: six indexed data files and a pending one holding a deleted block', async () => {
    await withStore('multi', async (s) => {
      expect(s.state.indexes).toHaveLength(6);
      for (const block of multiBlocks()) expectBytes(await s.get(hashBlock(block)), block);
      expect(await s.get(hex(GONE.multiHello))).toBeNull();
      expect(await s.has(hex(GONE.multiHello))).toBe(false);
    });
  });

  it('many-reopened/: 4,000 small blocks through a two-page index', async () => {
    await withStore('many-reopened', async (s) => {
      const blocks = manyBlocks();
      for (const block of blocks) expectBytes(await s.get(hashBlock(block)), block);
      expect(await s.get(hashBlock(new TextEncoder().encode('many-block-4000')))).toBeNull();
    });
  });
});

describe('torn tails, as hbs2 recovered them (MANIFEST.txt, crashed/)', () => {
  /** The pending file's length hbs2 left in `<name>` (after its one open and stop). */
  const lengthAfter = (name: string, dataKey: bigint) =>
    fs.statSync(
      path.join(
        materializeStore(`crashed/${name}`, tmp),
        'ncq3/0',
        `f-${dataKey.toString(16).padStart(16, '0')}.data`,
      ),
    ).size;

  it('the trimmed sizes computed from each .before store are the sizes hbs2 left', async () => {
    const expected: Record<(typeof CRASHED)[number], [number, number | null, number, number]> = {
      // [file length, recovered, trimmed to, indexed prefix] of the torn pending file
      'A-torn-below-fact': [3147700, 0, 3147811, 0],
      'B-torn-after-fact': [3447811, 3147811, 3147811, 3147811],
      'C-midfile-tails': [600000, 524464, 524464, 524464],
      'D-zero-length': [0, null, 0, 0],
    };
    for (const name of CRASHED) {
      const before = materializeStore(`crashed/${name}.before`, tmp);
      const store = await NcqBlockStore.open(before);
      const torn = store.pending.at(-1)!;
      await store.close();
      expect([torn.fileLength, torn.recovered, torn.trimmedTo, torn.indexed], name).toEqual(
        expected[name],
      );
      expect(lengthAfter(name, torn.dataKey), name).toBe(torn.trimmedTo);
      // Reading changed nothing.
      expect(
        fs.statSync(
          path.join(before, 'ncq3/0', 'f-' + torn.dataKey.toString(16).padStart(16, '0') + '.data'),
        ).size,
      ).toBe(torn.fileLength);
    }
  });

  it('A: a tear below the fact leaves the whole file unreadable, before and after hbs2', async () => {
    for (const name of ['crashed/A-torn-below-fact.before', 'crashed/A-torn-below-fact'])
      await withStore(name, async (s) => {
        for (const key of expectedBlocks('small').present.keys())
          expect(await s.get(hex(key)), `${name} ${key}`).toBeNull();
        expect(await s.getRef(hex(REFS.k))).toBeNull();
      });
  });

  it('B: bytes after the last tail are ignored; everything durable reads', async () => {
    for (const name of ['crashed/B-torn-after-fact.before', 'crashed/B-torn-after-fact'])
      await withStore(name, (s) => expectSmallContent(s, 'small'));
  });

  it('C: a pending file cut at its last consistent mid-file tail', async () => {
    for (const name of ['crashed/C-midfile-tails.before', 'crashed/C-midfile-tails'])
      await withStore(name, async (s) => {
        for (const block of multiBlocks()) expectBytes(await s.get(hashBlock(block)), block, name);
        // "multi hello" lived only in the replaced pending file.
        expect(await s.get(hex(GONE.multiHello))).toBeNull();
      });
  });

  it('D: a 0-byte pending file passes the fast check and holds nothing', async () => {
    for (const name of ['crashed/D-zero-length.before', 'crashed/D-zero-length'])
      await withStore(name, async (s) => {
        expect(s.pending[0]).toMatchObject({
          dataKey: 1n,
          fileLength: 0,
          factSize: 197,
          indexed: 0,
        });
        expect(await s.get(hashBlock(new TextEncoder().encode('hello')))).toBeNull();
      });
  });
});
