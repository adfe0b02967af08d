/**
 * transfer() between two simple-layout stores on disk (the S3 side is covered against the
 * real gateway in test/s3): whole store, re-run, a root's closure, a block missing from
 * the source, LWW refs by the LWW rule, pins never overwritten.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { crypto } from '../../../src/crypto/index.js';
import { NotFoundError } from '../../../src/errors.js';
import { getLwwRef, setLwwRef } from '../../../src/refs/lww-store.js';
import { hashToString } from '../../../src/store/hash.js';
import { openStore, type Hbs2Store } from '../../../src/store/open.js';
import { writeTree } from '../../../src/tree/writer.js';
import { transfer } from '../../../src/transfer/transfer.js';
import { generateGroupKey } from '../../../src/groupkey/generate.js';
import { generateKeyring } from '../../../src/keyring/keyring.js';
import { storeEncrypted } from '../../../src/ops/content.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hbs2-transfer-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

let n = 0;
async function newStore(): Promise<Hbs2Store> {
  const dir = path.join(tmp, `s${n++}`);
  fs.mkdirSync(path.join(dir, 'blocks'), { recursive: true });
  return openStore(dir, { write: true });
}

async function tree(store: Hbs2Store, size: number): Promise<Uint8Array> {
  return (await writeTree(store.blocks, [randomBytes(size)])).root;
}

async function hashesOf(store: Hbs2Store): Promise<Set<string>> {
  const out = new Set<string>();
  for await (const h of store.blocks.hashes()) out.add(hashToString(h));
  return out;
}

describe('transfer', () => {
  it('copies a whole store, then nothing on a re-run', async () => {
    const src = await newStore();
    const dst = await newStore();
    await tree(src, 700_000);
    await tree(src, 10);
    const first = await transfer(src, dst);
    expect(first.copied).toBe((await hashesOf(src)).size);
    expect(await hashesOf(dst)).toEqual(await hashesOf(src));
    const again = await transfer(src, dst);
    expect(again).toMatchObject({ copied: 0, seen: first.seen, bytes: 0 });
  });

  it('copies only the closure of a root, with concurrency 1 as well', async () => {
    const src = await newStore();
    const dst = await newStore();
    const wanted = await tree(src, 600_000);
    const other = await tree(src, 300_000);
    await transfer(src, dst, { roots: [wanted], concurrency: 1 });
    expect(await dst.blocks.has(wanted)).toBe(true);
    expect(await dst.blocks.has(other)).toBe(false);
    expect((await hashesOf(dst)).size).toBe(4); // root, 3 data blocks
  });

  it('a block missing from the source is a NotFoundError naming it', async () => {
    const src = await newStore();
    const dst = await newStore();
    const root = await tree(src, 600_000);
    const data = [...(await hashesOf(src))].find((h) => h !== hashToString(root))!;
    fs.rmSync(path.join(src.location, 'blocks', data[0]!, data.slice(1)));
    const err = await transfer(src, dst, { roots: [root] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotFoundError);
    expect((err as Error).message).toContain(data);
  });

  it('LWW refs: the higher seq wins whichever side holds it; a differing pin is kept', async () => {
    const src = await newStore();
    const dst = await newStore();
    const signer = crypto().signKeyPairFromSeed(new Uint8Array(32).fill(5));
    const [v1, v2, v3] = [randomBytes(32), randomBytes(32), randomBytes(32)];
    await setLwwRef(src.refs, src.blocks, signer, signer.publicKey, v1);
    await setLwwRef(src.refs, src.blocks, signer, signer.publicKey, v2); // seq 2
    await setLwwRef(dst.refs, dst.blocks, signer, signer.publicKey, v3); // seq 1
    const r = await transfer(src, dst);
    expect(r.refsCopied).toBe(1);
    expect((await getLwwRef(dst.refs, dst.blocks, signer.publicKey))?.ref.seq).toBe(2n);
    // Backwards, the destination's seq 2 stays.
    const back = await transfer(dst, src);
    expect(back.refsPresent).toBe(1);

    const pinKey = randomBytes(32);
    await src.refs.updateRef(pinKey, async () => v1);
    await dst.refs.updateRef(pinKey, async () => v2);
    const kept = await transfer(src, dst);
    expect(kept.refsKept).toEqual([hashToString(pinKey)]);
    expect(await dst.refs.getRef(pinKey)).toEqual(new Uint8Array(v2));
  });

  it('records the key index entries of the group key trees it copied', async () => {
    const src = await newStore();
    const alice = generateKeyring(1);
    const { groupKey } = generateGroupKey([alice.entries[0]!.publicKey]);
    const { root, groupKeyHash } = await storeEncrypted(src.blocks, [randomBytes(1000)], {
      groupKey,
      keyrings: [{ keyring: alice }],
      keyIndex: src.keyIndex,
    });
    const other = await newStore();
    await storeEncrypted(other.blocks, [randomBytes(10)], {
      groupKey: generateGroupKey([alice.entries[0]!.publicKey]).groupKey,
      keyrings: [{ keyring: alice }],
      keyIndex: src.keyIndex, // an entry whose tree the closure below does not hold
    });
    const byRoot = await newStore();
    const r = await transfer(src, byRoot, { roots: [root] });
    expect(r.keyIndexEntries).toBe(1);
    expect(await byRoot.keyIndex.list()).toEqual([{ id: groupKey.id, groupKeyHash }]);
    const whole = await newStore();
    expect((await transfer(src, whole)).keyIndexEntries).toBe(1);
    expect(await whole.keyIndex.groupKeysWithId(groupKey.id!)).toEqual([groupKeyHash]);
  });
});
