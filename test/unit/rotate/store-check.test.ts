import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { generateGroupKey } from '../../../src/groupkey/index.js';
import { generateKeyring } from '../../../src/keyring/keyring.js';
import { storeEncrypted, storePlain } from '../../../src/ops/content.js';
import { FsKeyIndex, listKeyIndex } from '../../../src/store/fs-key-index.js';
import { checkStore, checkStoreAt } from '../../../src/rotate/store-check.js';
import { FsBlockStore } from '../../../src/store/fs.js';
import { openStore } from '../../../src/store/open.js';
import { xorshiftBytes } from '../../helpers/bytes.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await fs.rm(d, { recursive: true, force: true });
});

/** A new temporary directory, removed after the test. */
async function tempDir(): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'store-check-'));
  dirs.push(dir);
  return dir;
}

/** A simple-layout store holding one encrypted tree whose group key is indexed. */
async function storeWithIndex(): Promise<string> {
  const dir = await tempDir();
  await fs.mkdir(path.join(dir, 'blocks'));
  const kr = generateKeyring(1);
  const { groupKey } = generateGroupKey([kr.entries[0]!.publicKey]);
  const store = new FsBlockStore(dir);
  await storeEncrypted(store, [new Uint8Array(1000).fill(7)], {
    groupKey,
    keyrings: [{ keyring: kr }],
    keyIndex: new FsKeyIndex(dir),
  });
  await store.flush();
  return dir;
}

describe('checkStore: blocks and the key index', () => {
  it('a sound store: no problem, the index reported sound', async () => {
    const dir = await storeWithIndex();
    const r = await checkStore(dir);
    expect(r.keyIndexProblem).toBeNull();
    expect(r.unrepaired).toBe(0);
    expect(r.ok).toBeGreaterThan(0);
  });

  it('a corrupt index is an unrepaired problem; repair moves it aside and rebuilds it', async () => {
    const dir = await storeWithIndex();
    const [entry] = await listKeyIndex(dir);
    // A directory name that is no base58 id.
    await fs.mkdir(path.join(dir, 'keyindex', 'not-an-id!'));
    const r = await checkStore(dir);
    expect(r.keyIndexProblem).toMatch(/./);
    expect(r.unrepaired).toBe(1);

    const fixed = await checkStore(dir, { repair: true });
    expect(fixed.keyIndexProblem).toBe(r.keyIndexProblem);
    expect(fixed.keyIndexRebuilt).toBe(1);
    expect(fixed.unrepaired).toBe(0);
    expect(await listKeyIndex(dir)).toEqual([entry]);
    expect((await fs.readdir(path.join(dir, 'quarantine')))[0]).toMatch(/^keyindex-/);
    expect((await checkStore(dir)).keyIndexProblem).toBeNull();
  });
});

/** A store of `format` holding one 600 KB file (three data blocks and a tree block). */
async function storeOf(format: 'ncq3' | 'simple'): Promise<string> {
  const dir = await tempDir();
  const store = await openStore(dir, { write: true, createFormat: format });
  await storePlain(store.blocks, [xorshiftBytes(600_000, 3)]);
  await store.close();
  return dir;
}

/**
 * `checkStoreAt` (what `hbs2 fsck` runs) picks the check of the layout on disk: an NCQ3
 * store's sections are verified without writing, and `repair` sweeps what hbs2-peer would
 * sweep; a simple store gets `checkStore`.
 */
describe('checkStoreAt', () => {
  it('verifies every block of an NCQ3 store, reporting progress, and changes nothing', async () => {
    const dir = await storeOf('ncq3');
    const before = await fs.readdir(path.join(dir, 'ncq3', '0'));
    const counts: number[] = [];
    const r = await checkStoreAt(dir, { onFile: (n) => counts.push(n) });
    expect(counts).toEqual([1, 2, 3, 4]);
    if (r.layout !== 'ncq3') throw new Error(`layout ${r.layout}`);
    expect(r.now.problems).toEqual([]);
    expect(r.now.blocks).toBe(4);
    expect(await fs.readdir(path.join(dir, 'ncq3', '0'))).toEqual(before);
  });

  it('reports a file no state lists, and with repair sweeps it as hbs2-peer does', async () => {
    const dir = await storeOf('ncq3');
    const stray = path.join(dir, 'ncq3', '0', `f-${'7'.repeat(16)}.data`);
    await fs.writeFile(stray, xorshiftBytes(100, 1));
    const found = await checkStoreAt(dir);
    if (found.layout !== 'ncq3') throw new Error(`layout ${found.layout}`);
    expect(found.now.problems.map((p) => [p.kind, p.path, p.integrity])).toEqual([
      ['unlisted', stray, false],
    ]);
    await expect(fs.stat(stray)).resolves.toBeDefined();
    const repaired = await checkStoreAt(dir, { repair: true });
    if (repaired.layout !== 'ncq3') throw new Error(`layout ${repaired.layout}`);
    expect(repaired.found.problems).toHaveLength(1);
    expect(repaired.now.problems).toEqual([]);
    await expect(fs.stat(stray)).rejects.toThrow(/ENOENT/);
  });

  it('checks a simple store with its key index', async () => {
    const dir = await storeOf('simple');
    const r = await checkStoreAt(dir);
    if (r.layout !== 'simple') throw new Error(`layout ${r.layout}`);
    expect(r.result.ok).toBe(4);
    expect(r.result.keyIndexProblem).toBeNull();
  });
});
