import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { MemoryBlockStore } from '../../../src/store/memory.js';
import { hashBlock, hashToString, parseHash } from '../../../src/store/hash.js';
import { hashOnlySink } from '../../../src/store/hash-only.js';
import { writeTree } from '../../../src/tree/writer.js';
import { buildTree } from '../../../src/tree/builder.js';
import { decodeMTree, encodeMTree } from '../../../src/tree/node.js';
import { decodeMTreeAnn, encodeMTreeAnn, type AnnMetaData } from '../../../src/tree/annotation.js';
import { readTree, walkTree } from '../../../src/tree/reader.js';
import { detectBlock } from '../../../src/tree/detect.js';

interface StreamVector {
  name: string;
  input: { kind: 'empty' } | { kind: 'text'; text: string } | { kind: 'mod251'; length: number };
  dataBlocks: string[];
  dataBlockSizes?: number[];
  rootBlockHex?: string;
  rootBlockLength?: number;
  root: string;
  rootHex?: string;
}
interface Vectors {
  streams: StreamVector[];
  shapes: { cases: { n: number; treeBlocks: number; rootPrefixHex: string; root: string }[] };
  annotated: {
    name: string;
    meta: { kind: 'short'; text: string } | { kind: 'ref' };
    metadataBlockText?: string;
    metadataBlockHash?: string;
    blockPrefixHex?: string;
    blockLength: number;
    hash: string;
  }[];
}

const vectors = JSON.parse(
  readFileSync(new URL('../../vectors/trees.json', import.meta.url), 'utf8'),
) as Vectors;

function inputOf(v: StreamVector): Uint8Array {
  if (v.input.kind === 'empty') return new Uint8Array(0);
  if (v.input.kind === 'text') return new TextEncoder().encode(v.input.text);
  const out = new Uint8Array(v.input.length);
  for (let i = 0; i < out.length; i++) out[i] = i % 251;
  return out;
}

/** Cuts `data` into pieces of varying, awkward sizes, to exercise the chunker. */
function* pieces(data: Uint8Array, seed: number): Iterable<Uint8Array> {
  let off = 0;
  let s = seed;
  while (off < data.length) {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    const n = 1 + (s % 100_000);
    yield data.subarray(off, off + n);
    off += n;
  }
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

async function collect(it: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Buffer[] = [];
  for await (const p of it) parts.push(Buffer.from(p));
  return new Uint8Array(Buffer.concat(parts));
}

describe('spec §3.7 stream vectors', () => {
  for (const v of vectors.streams) {
    it(`${v.name}: root, data blocks, round trip`, async () => {
      const data = inputOf(v);
      const store = new MemoryBlockStore();
      const res = await writeTree(store, pieces(data, 7), { parallelism: 3 });
      expect(hashToString(res.root)).toBe(v.root);
      if (v.rootHex) expect(hex(res.root)).toBe(v.rootHex);
      expect(res.blocks).toBe(v.dataBlocks.length);
      expect(res.bytes).toBe(data.length);
      const rootBlock = (await store.get(res.root))!;
      if (v.rootBlockHex) expect(hex(rootBlock)).toBe(v.rootBlockHex);
      if (v.rootBlockLength) expect(rootBlock.length).toBe(v.rootBlockLength);
      expect(encodeMTree(res.rootNode)).toEqual(rootBlock);
      // Exactly the data blocks plus the single root block are stored.
      expect(store.size).toBe(v.dataBlocks.length + 1);
      const walked: string[] = [];
      for await (const h of walkTree(store, res.root)) walked.push(hashToString(h));
      expect(walked).toEqual(v.dataBlocks);
      for (const [i, name] of v.dataBlocks.entries()) {
        const b = (await store.get(parseHash(name)))!;
        if (v.dataBlockSizes) expect(b.length).toBe(v.dataBlockSizes[i]);
      }
      const back = await collect(readTree(store, res.root, { readAhead: 2 }));
      // Buffer.equals: vitest's deep equality is very slow on large typed arrays.
      expect(Buffer.from(back).equals(Buffer.from(data))).toBe(true);
      // Hash-only mode gives the same root without storing anything.
      const dry = await writeTree(hashOnlySink, [data]);
      expect(hashToString(dry.root)).toBe(v.root);
    });
  }
});

describe('spec §3.7(e) tree shapes', () => {
  for (const c of vectors.shapes.cases) {
    it(`N = ${c.n}`, async () => {
      const hs = function* () {
        const b = new Uint8Array(4);
        for (let i = 0; i < c.n; i++) {
          new DataView(b.buffer).setUint32(0, i);
          yield hashBlock(b);
        }
      };
      const store = new MemoryBlockStore();
      const built = await buildTree(store, hs());
      expect(hashToString(built.root)).toBe(c.root);
      expect(built.treeBlocks).toBe(c.treeBlocks);
      expect(store.size).toBe(c.treeBlocks);
      const rootBlock = (await store.get(built.root))!;
      expect(hex(rootBlock.subarray(0, c.rootPrefixHex.length / 2))).toBe(c.rootPrefixHex);
      expect(encodeMTree(built.rootNode)).toEqual(rootBlock);
      // Walking the tree gives the hashes back in order.
      let i = 0;
      let mismatches = 0;
      const expected = hs();
      for await (const h of walkTree(store, built.root)) {
        if (!Buffer.from(h).equals(expected.next().value as Uint8Array)) mismatches++;
        i++;
      }
      expect(mismatches).toBe(0);
      expect(i).toBe(c.n);
    });
  }

  it('hbs2\'s corner test (MaxSize 2, MaxNum 3): H("7") is the 3rd smallest of 30 blocks', async () => {
    const store = new MemoryBlockStore();
    const chars = '123456789abcdefgh';
    const hashes: Uint8Array[] = [];
    for (const ch of chars) hashes.push(await store.put(new TextEncoder().encode(ch)));
    await buildTree(store, hashes, { leafMax: 2, nodeMax: 3 });
    expect(store.size).toBe(30);
    const sorted: string[] = [];
    for await (const h of store.hashes()) sorted.push(hex(h));
    sorted.sort();
    expect(hashToString(Buffer.from(sorted[2]!, 'hex'))).toBe(
      'h3VBGX1u6JHDjR38z97xo6S3ruiynkc1kygGZgRVcit',
    );
  });
});

describe('spec §4.2–§4.3 annotated vectors', () => {
  const helloLeaf = decodeMTree(
    new Uint8Array(
      Buffer.from(vectors.streams.find((s) => s.name === 'hello world')!.rootBlockHex!, 'hex'),
    ),
  );
  for (const v of vectors.annotated) {
    it(v.name, () => {
      let meta: AnnMetaData;
      if (v.meta.kind === 'short') meta = { kind: 'short', text: v.meta.text };
      else {
        const mblock = new TextEncoder().encode(v.metadataBlockText!);
        expect(hashToString(hashBlock(mblock))).toBe(v.metadataBlockHash);
        meta = { kind: 'ref', hash: hashBlock(mblock) };
      }
      const block = encodeMTreeAnn({ meta, crypt: { kind: 'null' }, tree: helloLeaf });
      expect(block.length).toBe(v.blockLength);
      if (v.blockPrefixHex)
        expect(hex(block.subarray(0, v.blockPrefixHex.length / 2))).toBe(v.blockPrefixHex);
      expect(hashToString(hashBlock(block))).toBe(v.hash);
      const back = decodeMTreeAnn(block);
      expect(back.meta).toEqual(meta);
      expect(back.tree).toEqual(helloLeaf);
      expect(detectBlock(block).type).toBe('ann-merkle');
    });
  }
});
