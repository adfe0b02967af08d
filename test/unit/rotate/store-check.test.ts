import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { generateGroupKey } from '../../../src/groupkey/index.js';
import { generateKeyring } from '../../../src/keyring/keyring.js';
import { storeEncrypted } from '../../../src/ops/content.js';
import { FsKeyIndex, listKeyIndex } from '../../../src/store/fs-key-index.js';
import { checkStore } from '../../../src/rotate/store-check.js';
import { FsBlockStore } from '../../../src/store/fs.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await fs.rm(d, { recursive: true, force: true });
});

/** A simple-layout store holding one encrypted tree whose group key is indexed. */
async function storeWithIndex(): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'store-check-'));
  dirs.push(dir);
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
