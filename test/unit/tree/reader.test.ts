import { describe, expect, it } from 'vitest';
import {
  FormatError,
  IntegrityError,
  NoMatchingKeyError,
  NotFoundError,
} from '../../../src/errors.js';
import { MemoryBlockStore } from '../../../src/store/memory.js';
import { hashBlock, hashToString } from '../../../src/store/hash.js';
import { encodeMTree, type MTree } from '../../../src/tree/node.js';
import { encodeMTreeAnn } from '../../../src/tree/annotation.js';
import { encodeAnnotatedHashRef, encodeSequentialRef } from '../../../src/tree/refs.js';
import { readTree, walkTree } from '../../../src/tree/reader.js';
import { writeTree } from '../../../src/tree/writer.js';
import { collectDeps } from '../../../src/tree/deps.js';
import { objectDataHashes, readObject } from '../../../src/tree/object.js';
import { chunkBytes } from '../../../src/tree/chunker.js';

async function drain(it: AsyncIterable<Uint8Array>): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for await (const x of it) out.push(x);
  return out;
}

function putTree(store: MemoryBlockStore, t: MTree): Uint8Array {
  const b = encodeMTree(t);
  const h = hashBlock(b);
  store.putRaw(h, b);
  return h;
}

const bytes = (n: number, seed = 1) =>
  Uint8Array.from({ length: n }, (_, i) => (i * seed + 7) & 255);

describe('chunker', () => {
  it('gives exact blocks from any piece sizes and no block for empty input', async () => {
    expect(await drain(chunkBytes([], 4))).toEqual([]);
    expect(await drain(chunkBytes([new Uint8Array(0)], 4))).toEqual([]);
    const data = bytes(10);
    const out = await drain(
      chunkBytes([data.subarray(0, 3), data.subarray(3, 9), data.subarray(9)], 4),
    );
    expect(out.map((b) => b.length)).toEqual([4, 4, 2]);
    expect(Buffer.concat(out)).toEqual(Buffer.from(data));
    expect((await drain(chunkBytes([bytes(8)], 4))).length).toBe(2);
  });
});

describe('writer', () => {
  it('applies the transform with 1-based indexes, in order, whatever the parallelism', async () => {
    const store = new MemoryBlockStore();
    const seen: bigint[] = [];
    const data = bytes(10 * 100 + 3);
    const res = await writeTree(store, [data], {
      blockSize: 100,
      parallelism: 4,
      transform: async (plain, i) => {
        seen.push(i);
        await new Promise((r) => setTimeout(r, Number(i % 3n)));
        return Uint8Array.from([Number(i), ...plain]);
      },
    });
    expect(res.blocks).toBe(11);
    expect(seen).toEqual(Array.from({ length: 11 }, (_, i) => BigInt(i + 1)));
    const back = await drain(
      readTree(store, res.root, {
        transform: (stored, i) => {
          expect(stored[0]).toBe(Number(i));
          return stored.subarray(1);
        },
      }),
    );
    expect(Buffer.concat(back)).toEqual(Buffer.from(data));
  });

  it('fails when a put fails, after letting the other puts settle', async () => {
    let n = 0;
    const sink = {
      put: async (b: Uint8Array) => {
        if (++n === 3) throw new IntegrityError('disk says no');
        return hashBlock(b);
      },
    };
    await expect(writeTree(sink, [bytes(1000)], { blockSize: 100 })).rejects.toThrow(
      /disk says no/,
    );
  });
});

describe('reader on hostile trees', () => {
  it('a node pointing at a missing block is a NotFoundError naming it', async () => {
    const store = new MemoryBlockStore();
    const missing = hashBlock(Uint8Array.of(1));
    const root = putTree(store, { type: 'node', height: 1, children: [missing] });
    await expect(drain(readTree(store, root))).rejects.toThrow(NotFoundError);
    await expect(drain(readTree(store, root))).rejects.toThrow(hashToString(missing));
  });

  it('a missing data block is a NotFoundError after the blocks before it', async () => {
    const store = new MemoryBlockStore();
    const a = await store.put(bytes(5));
    const missing = hashBlock(bytes(6));
    const root = putTree(store, { type: 'leaf', hashes: [a, missing] });
    const got: Uint8Array[] = [];
    await expect(
      (async () => {
        for await (const b of readTree(store, root)) got.push(b);
      })(),
    ).rejects.toThrow(new RegExp(`block ${hashToString(missing)} not found`));
    expect(got).toEqual([bytes(5)]);
  });

  it('a tree nested deeper than the limit is a FormatError', async () => {
    const store = new MemoryBlockStore();
    let h = putTree(store, { type: 'leaf', hashes: [await store.put(bytes(3))] });
    for (let i = 0; i < 70; i++) h = putTree(store, { type: 'node', height: i + 1, children: [h] });
    await expect(drain(readTree(store, h))).rejects.toThrow(/nested deeper than 64/);
    await expect(drain(readTree(store, h))).rejects.toThrow(FormatError);
    // Within the limit the same chain reads fine.
    expect((await drain(readTree(store, h, { maxDepth: 80 }))).length).toBe(1);
  });

  it('a cycle is a FormatError', async () => {
    const store = new MemoryBlockStore();
    // A block cannot contain its own hash, so forge one: name a node by a chosen hash.
    const fake = hashBlock(Uint8Array.of(42));
    const inner = putTree(store, { type: 'node', height: 1, children: [fake] });
    store.putRaw(fake, encodeMTree({ type: 'node', height: 2, children: [inner] }));
    // The forged block fails verification before the cycle is seen…
    await expect(drain(walkTree(store, inner))).rejects.toThrow(IntegrityError);
    // …so use a store that does not verify, as a hostile peer's store would be.
    const blocks = new Map<string, Uint8Array>();
    const k = (h: Uint8Array) => Buffer.from(h).toString('hex');
    const a = hashBlock(Uint8Array.of(1));
    const b = hashBlock(Uint8Array.of(2));
    blocks.set(k(a), encodeMTree({ type: 'node', height: 2, children: [b] }));
    blocks.set(k(b), encodeMTree({ type: 'node', height: 1, children: [a] }));
    const raw = { get: async (h: Uint8Array) => blocks.get(k(h)) ?? null };
    await expect(drain(walkTree(raw, a))).rejects.toThrow(/cyclic/);
  });

  it('an undecodable node is a FormatError naming it, never skipped', async () => {
    const store = new MemoryBlockStore();
    const junk = await store.put(new TextEncoder().encode('not a tree'));
    const root = putTree(store, { type: 'node', height: 1, children: [junk] });
    await expect(drain(readTree(store, root))).rejects.toThrow(
      new RegExp(`tree block ${hashToString(junk)} does not decode`),
    );
  });

  it('repeated identical subtrees (a DAG) are fine', async () => {
    const store = new MemoryBlockStore();
    const d = await store.put(bytes(4));
    const leaf = putTree(store, { type: 'leaf', hashes: [d, d] });
    const root = putTree(store, { type: 'node', height: 1, children: [leaf, leaf] });
    expect((await drain(readTree(store, root))).length).toBe(4);
  });
});

describe('objects and deps', () => {
  it('reads blobs, annotated trees and references; encrypted needs a decryptor', async () => {
    const store = new MemoryBlockStore();
    const data = bytes(500);
    const w = await writeTree(store, [data], { blockSize: 100 });
    const ann = await store.put(
      encodeMTreeAnn({
        meta: { kind: 'short', text: 'x' },
        crypt: { kind: 'null' },
        tree: w.rootNode,
      }),
    );
    const aref = await store.put(encodeAnnotatedHashRef({ annotation: null, target: ann }));
    const sref = await store.put(
      encodeSequentialRef({ seq: 3n, ref: { annotation: null, target: w.root } }),
    );
    for (const h of [w.root, ann, aref, sref])
      expect(Buffer.concat(await drain(readObject(store, h)))).toEqual(Buffer.from(data));
    const blob = await store.put(bytes(7));
    expect(await drain(readObject(store, blob))).toEqual([bytes(7)]);
    expect(await drain(objectDataHashes(store, blob))).toEqual([blob]);
    expect((await drain(objectDataHashes(store, ann))).length).toBe(5);
    const enc = await store.put(
      encodeMTreeAnn({
        meta: { kind: 'none' },
        crypt: { kind: 'symm1', groupKey: w.root, nonce: new Uint8Array(32) },
        tree: w.rootNode,
      }),
    );
    await expect(drain(readObject(store, enc))).rejects.toThrow(NoMatchingKeyError);
    await expect(drain(readObject(store, hashBlock(bytes(9))))).rejects.toThrow(NotFoundError);
  });

  it('deps lists every block once: tree nodes, data, metadata, group key tree', async () => {
    const store = new MemoryBlockStore();
    // 5 data blocks, 2 of them equal; a 3-level tree with leafMax 2 and nodeMax 2.
    const data = Buffer.concat([
      bytes(10, 1),
      bytes(10, 1),
      bytes(10, 3),
      bytes(10, 5),
      bytes(10, 7),
    ]);
    const w = await writeTree(store, [data], { blockSize: 10, shape: { leafMax: 2, nodeMax: 2 } });
    const gk = await writeTree(store, [bytes(30, 11)], { blockSize: 10 });
    const meta = await store.put(bytes(3, 13));
    const ann = await store.put(
      encodeMTreeAnn({
        meta: { kind: 'ref', hash: meta },
        crypt: { kind: 'symm1', groupKey: gk.root, nonce: new Uint8Array(32) },
        tree: w.rootNode,
      }),
    );
    const deps: { hash: Uint8Array; role: string; present: boolean }[] = [];
    for await (const d of collectDeps(store, ann)) deps.push(d);
    const names = deps.map((d) => hashToString(d.hash));
    expect(new Set(names).size).toBe(names.length);
    // Everything in the store is reachable except the plain root of w (the annotated block
    // embeds its structure instead).
    const expected = store.names().filter((n) => n !== hashToString(w.root));
    expect([...names].sort()).toEqual(expected);
    expect(deps[0]!.role).toBe('root');
    expect(deps.filter((d) => d.role === 'metadata').length).toBe(1);
    expect(deps.filter((d) => d.role === 'group-key').length).toBe(1);
    expect(deps.every((d) => d.present)).toBe(true);
    // A missing data block is listed as absent.
    await store.del(hashBlock(bytes(10, 7)));
    const after: boolean[] = [];
    for await (const d of collectDeps(store, ann)) after.push(d.present);
    expect(after.filter((p) => !p).length).toBe(1);
  });
});
