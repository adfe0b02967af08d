/**
 * `checkStoreAt` (what `hbs2 fsck` runs) picks the check of the layout on disk: an NCQ3
 * store's sections are verified without writing, and `repair` sweeps what hbs2-peer would
 * sweep; a simple store gets `checkStore`. `initStoreDirectories` makes each layout's
 * directories.
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { storePlain } from '../../../src/ops/content.js';
import { checkStoreAt } from '../../../src/rotate/store-check.js';
import { initStoreDirectories, openStore } from '../../../src/store/open.js';
import { xorshiftBytes } from '../../helpers/bytes.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await fs.rm(d, { recursive: true, force: true });
});

async function tempDir(): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'check-at-'));
  dirs.push(dir);
  return dir;
}

/** A store of `format` holding one 600 KB file (three data blocks and a tree block). */
async function storeOf(format: 'ncq3' | 'simple'): Promise<string> {
  const dir = await tempDir();
  const store = await openStore(dir, { write: true, createFormat: format });
  await storePlain(store.blocks, [xorshiftBytes(600_000, 3)]);
  await store.close();
  return dir;
}

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

describe('initStoreDirectories', () => {
  it("makes the simple layout's 58 block directories, or NCQ3's ncq3/0", async () => {
    const simpleDir = await tempDir();
    const simple = await openStore(simpleDir, { write: true, createFormat: 'simple' });
    await initStoreDirectories(simple);
    await simple.close();
    expect(await fs.readdir(path.join(simpleDir, 'blocks'))).toHaveLength(58);
    const ncqDir = await tempDir();
    const ncq = await openStore(ncqDir, { write: true, createFormat: 'ncq3' });
    await initStoreDirectories(ncq);
    await ncq.close();
    expect((await fs.stat(path.join(ncqDir, 'ncq3', '0'))).isDirectory()).toBe(true);
  });
});
