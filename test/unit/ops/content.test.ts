/**
 * The headline content operations over a memory store: plain and annotated stores give
 * hbs2's roots, an encrypted store reads back only for members, a second pass over other
 * bytes fails, the key index opens a tree through a later key with the same id, progress
 * is reported and an AbortSignal stops a store or a read.
 */
import { describe, expect, it } from 'vitest';
import {
  describeObject,
  encodeBase58,
  generateGroupKey,
  generateKeyring,
  IntegrityError,
  MemoryBlockStore,
  MemoryKeyIndex,
  NoMatchingKeyError,
  readContent,
  storeEncrypted,
  storePlain,
  type ByteSource,
  type KeyringSource,
} from '../../../src/index.js';

const bytes = (n: number, seed = 1) => new Uint8Array(n).map((_, i) => (i * seed + 7) & 255);

async function readAll(
  store: MemoryBlockStore,
  root: Uint8Array,
  opts: Parameters<typeof readContent>[2] = {},
): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const p of readContent(store, root, opts)) parts.push(p.slice());
  return Buffer.concat(parts);
}

const member = (keyring = generateKeyring(1)): KeyringSource => ({ keyring });
const pub = (k: KeyringSource) => k.keyring.entries[0]!.publicKey;

describe('storePlain / readContent', () => {
  it("'hello world' is hbs2's root; with metadata an annotated tree that reads the same", async () => {
    const store = new MemoryBlockStore();
    const text = new TextEncoder().encode('hello world');
    const { root } = await storePlain(store, [text]);
    expect(encodeBase58(root)).toBe('FMqApxg8fAWSnamHHwHX3hCSXvDFZe1UoqpPmfeCvtu9');
    const ann = await storePlain(store, [text], { metadata: 'file-name: "a.txt"' });
    expect(ann.root).not.toEqual(root);
    expect((await readAll(store, ann.root)).toString()).toBe('hello world');
    const desc = await describeObject(store, ann.root, {
      sizeOf: async (h) => (await store.get(h))?.length ?? null,
    });
    expect(desc.metadata.text).toBe('file-name: "a.txt"');
  });

  it('reports progress and stops at the next chunk once aborted', async () => {
    const store = new MemoryBlockStore();
    const seen: number[] = [];
    const { root } = await storePlain(store, [bytes(600_000)], { onProgress: (n) => seen.push(n) });
    expect(seen.at(-1)).toBe(600_000);
    const ctl = new AbortController();
    const source = (async function* () {
      yield bytes(300_000);
      ctl.abort(new Error('stop'));
      yield bytes(300_000);
    })();
    await expect(storePlain(store, source, { signal: ctl.signal })).rejects.toThrow('stop');
    const readCtl = new AbortController();
    let got = 0;
    await expect(
      (async () => {
        for await (const p of readContent(store, root, { signal: readCtl.signal })) {
          got += p.length;
          readCtl.abort();
        }
      })(),
    ).rejects.toThrow(/abort/i);
    expect(got).toBe(262_144);
  });
});

describe('storeEncrypted', () => {
  it('members read it back; others get NoMatchingKeyError; equal input with reread gives one root', async () => {
    const [a, b, c] = [member(), member(), member()];
    const { groupKey } = generateGroupKey([pub(a), pub(b)]);
    const store = new MemoryBlockStore();
    const data = bytes(700_000, 3);
    const source = (): ByteSource => [data.subarray(0, 100_000), data.subarray(100_000)];
    const first = await storeEncrypted(store, source(), {
      groupKey,
      keyrings: [a],
      reread: source,
    });
    const again = await storeEncrypted(store, source(), {
      groupKey,
      keyrings: [b],
      reread: source,
    });
    expect(again.root).toEqual(first.root);
    expect((await readAll(store, first.root, { keyrings: [b] })).equals(data)).toBe(true);
    await expect(readAll(store, first.root, { keyrings: [c] })).rejects.toBeInstanceOf(
      NoMatchingKeyError,
    );
    await expect(readAll(store, first.root)).rejects.toBeInstanceOf(NoMatchingKeyError);
    const random = await storeEncrypted(store, source(), { groupKey, keyrings: [a] });
    expect(random.root).not.toEqual(first.root);
  });

  it('a writer outside the group cannot store; a second pass over other bytes fails', async () => {
    const [a, c] = [member(), member()];
    const { groupKey } = generateGroupKey([pub(a)]);
    const store = new MemoryBlockStore();
    await expect(
      storeEncrypted(store, [bytes(10)], { groupKey, keyrings: [c] }),
    ).rejects.toBeInstanceOf(NoMatchingKeyError);
    await expect(
      storeEncrypted(store, [bytes(300_000)], {
        groupKey,
        keyrings: [a],
        reread: () => [bytes(300_000, 5)],
      }),
    ).rejects.toBeInstanceOf(IntegrityError);
  });

  it('through the key index, a reader added by a later key with the same secret reads old content', async () => {
    const [a, b] = [member(), member()];
    const first = generateGroupKey([pub(a)]);
    const later = generateGroupKey([pub(a), pub(b)], { secret: first.secret });
    const store = new MemoryBlockStore();
    const keyIndex = new MemoryKeyIndex();
    const { root } = await storeEncrypted(store, [bytes(1000)], {
      groupKey: first.groupKey,
      keyrings: [a],
      keyIndex,
    });
    // Storing anything under the later key records it in the index under the same id.
    await storeEncrypted(store, [bytes(1)], { groupKey: later.groupKey, keyrings: [a], keyIndex });
    await expect(readAll(store, root, { keyrings: [b] })).rejects.toBeInstanceOf(
      NoMatchingKeyError,
    );
    const found: string[] = [];
    const back = await readAll(store, root, {
      keyrings: [b],
      keyIndex,
      onFound: (f) => found.push(f.via),
    });
    expect(back.equals(bytes(1000))).toBe(true);
    expect(found).toEqual(['key-index']);
  });
});
