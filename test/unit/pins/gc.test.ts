/**
 * Pins and gc on a real simple-layout store: gc deletes exactly the blocks nothing
 * keeps (the expected set computed from collectDeps, independently of gc), keeps fresh
 * blocks, and deletes nothing when a pinned block is missing or corrupt.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { crypto } from '../../../src/crypto/index.js';
import { FormatError, IntegrityError, NotFoundError } from '../../../src/errors.js';
import { addPin, findPin, gc, listPins, pinRefKey, removePins } from '../../../src/pins/index.js';
import {
  REFS_LOCK_NAME,
  setLwwRef,
  SimpleRefStore,
  withLockFile,
} from '../../../src/refs/index.js';
import { recordGroupKey } from '../../../src/store/fs-key-index.js';
import { FsBlockStore } from '../../../src/store/fs.js';
import { openStore, type Hbs2Store } from '../../../src/store/open.js';
import { hashToString, parseHash } from '../../../src/store/hash.js';
import { xorshiftBytes } from '../../helpers/bytes.js';
import { BLOCK_SIZE, collectDeps, readObject, writeTree } from '../../../src/tree/index.js';

let dir: string;
let stores: Hbs2Store;
/** The same store's block files, to age, corrupt or remove them. */
let files: FsBlockStore;
beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hbs2-pins-'));
  stores = await openStore(dir, { write: true, createFormat: 'simple' });
  files = new FsBlockStore(dir);
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Pseudo-random bytes: no two blocks of these files are equal unless a test makes them so. */
const filled = (size: number, seed: number): Uint8Array => xorshiftBytes(size, seed * 7919);

async function storeBytes(bytes: Uint8Array): Promise<Uint8Array> {
  const { root } = await writeTree(stores.blocks, [bytes]);
  await stores.blocks.flush();
  return root;
}

async function depsOf(root: Uint8Array): Promise<Set<string>> {
  const out = new Set<string>();
  for await (const d of collectDeps(stores.blocks, root)) out.add(hashToString(d.hash));
  return out;
}

async function allBlocks(): Promise<Set<string>> {
  const out = new Set<string>();
  for await (const h of stores.blocks.hashes()) out.add(hashToString(h));
  return out;
}

/** Makes every block file look written an hour ago (gc keeps fresh ones). */
function ageBlocks(): void {
  const past = new Date(Date.now() - 3600_000);
  const root = path.join(dir, 'blocks');
  for (const c of fs.readdirSync(root))
    for (const f of fs.readdirSync(path.join(root, c)))
      fs.utimesSync(path.join(root, c, f), past, past);
}

/** Two files sharing their first block: A = X‖Y, B = X‖Z. */
async function twoPinnedFiles() {
  const x = filled(BLOCK_SIZE, 1);
  const a = new Uint8Array([...x, ...filled(BLOCK_SIZE + 100, 2)]);
  const b = new Uint8Array([...x, ...filled(5000, 3)]);
  const rootA = await storeBytes(a);
  const rootB = await storeBytes(b);
  await addPin(stores, rootA, 'a');
  await addPin(stores, rootB, 'b');
  return { a, b, rootA, rootB };
}

describe('gc', () => {
  it('after unpinning one of two files, deletes exactly its unshared blocks', async () => {
    const { b, rootA, rootB } = await twoPinnedFiles();
    const depsA = await depsOf(rootA);
    const depsB = await depsOf(rootB);
    const pinRecordOfA = await stores.refs.getRef(pinRefKey('a'));
    expect((await listPins(stores)).map((p) => p.name)).toEqual(['a', 'b']);
    await removePins(stores, 'a');
    ageBlocks();
    const before = await allBlocks();

    const expected = new Set([...depsA].filter((h) => !depsB.has(h)));
    expected.add(hashToString(pinRecordOfA!));
    expect(expected.size).toBeGreaterThan(2); // root, unshared data, the record

    const dry = await gc(stores, { dryRun: true });
    expect(new Set(dry.reclaimed.hashes.map(hashToString))).toEqual(expected);
    expect(await allBlocks()).toEqual(before);

    const r = await gc(stores);
    expect(new Set(r.reclaimed.hashes.map(hashToString))).toEqual(expected);
    expect(await allBlocks()).toEqual(new Set([...before].filter((h) => !expected.has(h))));
    const chunks: Uint8Array[] = [];
    for await (const c of readObject(stores.blocks, rootB)) chunks.push(c);
    expect(Buffer.concat(chunks)).toEqual(Buffer.from(b));
    expect((await gc(stores)).reclaimed.hashes).toHaveLength(0);
  });

  it('keeps unreferenced blocks written after it started (a concurrent store)', async () => {
    await twoPinnedFiles();
    ageBlocks();
    const fresh = await storeBytes(filled(3 * BLOCK_SIZE, 9)); // not pinned yet
    const r = await gc(stores);
    expect(r.reclaimed.hashes).toHaveLength(0);
    expect(r.recent).toBe((await depsOf(fresh)).size);
    await addPin(stores, fresh, 'late'); // the pin finds every block
  });

  it('keeps LWW ref boxes with their values, plain ref values, and key-index group keys', async () => {
    const viaLww = await storeBytes(filled(BLOCK_SIZE + 1, 4));
    const viaRef = await storeBytes(filled(10, 5));
    const groupKeyTree = await storeBytes(filled(700, 6));
    const kp = crypto().signKeyPairFromSeed(new Uint8Array(32).fill(5));
    const { current } = await setLwwRef(stores.refs, stores.blocks, kp, kp.publicKey, viaLww);
    await stores.refs.updateRef(new Uint8Array(32).fill(1), async () => viaRef);
    await recordGroupKey(dir, new Uint8Array(32).fill(2), groupKeyTree);
    const garbage = await storeBytes(filled(BLOCK_SIZE + 20, 7));
    const garbageBlocks = await depsOf(garbage);
    expect(garbageBlocks.size).toBe(3);
    ageBlocks();
    const r = await gc(stores);
    expect(new Set(r.reclaimed.hashes.map(hashToString))).toEqual(garbageBlocks);
    for (const root of [viaLww, viaRef, groupKeyTree, current.boxHash])
      for (const h of await depsOf(root)) expect(await stores.blocks.has(parseHash(h))).toBe(true);
  });

  it('deletes nothing when a pinned block is missing (exit 6) or a tree block corrupt (exit 4)', async () => {
    const { rootA } = await twoPinnedFiles();
    await removePins(stores, 'b'); // B's unshared blocks are garbage gc must not get to
    ageBlocks();
    const before = await allBlocks();
    const rootFile = files.blockPath(rootA);
    const rootBytes = fs.readFileSync(rootFile);
    fs.writeFileSync(rootFile, 'corrupt');
    await expect(gc(stores)).rejects.toThrow(IntegrityError);
    expect(await allBlocks()).toEqual(before);
    fs.writeFileSync(rootFile, rootBytes);
    const [, , dataBlock] = [...(await depsOf(rootA))];
    fs.rmSync(files.blockPath(parseHash(dataBlock!)));
    await expect(gc(stores)).rejects.toThrow(NotFoundError);
    expect(await allBlocks()).toEqual(new Set([...before].filter((h) => h !== dataBlock)));
  });

  it('a pin waits for the refs lock gc holds, and fails (nothing pinned) when it stays held', async () => {
    const root = await storeBytes(filled(1000, 10));
    const impatient = {
      refs: Object.assign(new SimpleRefStore(dir, { lock: { timeoutMs: 100 } }), {
        listRefs: () => stores.refs.listRefs(),
      }),
      blocks: stores.blocks,
    };
    await withLockFile(path.join(dir, REFS_LOCK_NAME), async () => {
      await expect(addPin(impatient, root, 'waits')).rejects.toThrow(/held by another writer/);
    });
    expect(await listPins(stores)).toEqual([]);
    await addPin(impatient, root, 'waits');
    expect((await listPins(stores)).map((p) => p.name)).toEqual(['waits']);
  });

  it('refuses to pin a root whose blocks are not all present', async () => {
    const root = await storeBytes(filled(2 * BLOCK_SIZE, 8));
    const [, , data] = [...(await depsOf(root))];
    fs.rmSync(files.blockPath(parseHash(data!)));
    await expect(addPin(stores, root, 'x')).rejects.toThrow(NotFoundError);
    expect(await listPins(stores)).toEqual([]);
  });
});

describe('findPin', () => {
  it('finds a pin by name with the ref recording it; an unknown name is null', async () => {
    const root = await storeBytes(filled(1000, 3));
    const { pin } = await addPin(stores, root, 'report.pdf');
    const found = await findPin(stores, 'report.pdf');
    expect(found?.pin).toEqual(pin);
    expect(found?.ref.key).toEqual(pinRefKey('report.pdf'));
    expect(found?.ref.value).toEqual(await stores.refs.getRef(pinRefKey('report.pdf')));
    expect(await findPin(stores, 'other')).toBeNull();
  });

  it('a ref naming a block that is not a pin record is a FormatError', async () => {
    const block = await stores.blocks.put(new TextEncoder().encode('not a pin'));
    await stores.refs.updateRef(pinRefKey('odd'), async () => block);
    await expect(findPin(stores, 'odd')).rejects.toThrow(FormatError);
  });
});
