/**
 * The store opener: the layout is found on disk (NCQ3 wins over blocks/), a missing store
 * is created in the requested layout, blocks and refs work behind the interfaces.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { probeStoreLayout } from '../../../src/store/layout.js';
import { initStoreDirectories, openStore } from '../../../src/store/open.js';
import { hashBlock, parseHash } from '../../../src/store/hash.js';
import { wholeStore } from '../../helpers/ncq3-vectors.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hbs2-open-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const HELLO = parseHash('4PNCZERNLKAqwSYHhZpb7B4GE34eiYDPXGgeNKWNNaBp');

describe('openStore', () => {
  it('creates a missing store in the simple layout; blocks, refs and listRefs round-trip', async () => {
    expect(await probeStoreLayout(dir)).toBeNull();
    const store = await openStore(dir, { write: true, createFormat: 'simple' });
    expect([store.layout, store.created, store.location]).toEqual(['simple', true, dir]);
    const h = await store.blocks.put(new TextEncoder().encode('hello'));
    expect(h).toEqual(HELLO);
    const key = hashBlock(new Uint8Array([1]));
    await store.refs.updateRef(key, async () => h);
    await store.close();
    expect(await probeStoreLayout(dir)).toBe('simple');

    const again = await openStore(dir);
    expect([again.layout, again.created]).toEqual(['simple', false]);
    expect(await again.blocks.sizeOf(h)).toBe(5);
    const refs = [];
    for await (const r of again.refs.listRefs()) refs.push(r);
    expect(refs).toEqual([{ key, value: h }]);
  });

  it('reads an hbs2-written NCQ3 store: blocks and refs through the interfaces', async () => {
    const store = await openStore(wholeStore('small'));
    expect(store.layout).toBe('ncq3');
    expect(new TextDecoder().decode((await store.blocks.get(HELLO))!)).toBe('hello');
    expect(await store.blocks.sizeOf(HELLO)).toBe(5);
    const lww = parseHash('DyX17JgwdK79WrcFMiavVK8HXVNrVqyYhkbSUiNT37ha');
    expect(await store.refs.getRef(lww)).toEqual(
      parseHash('5xzGa4EKc3JANAg7gWBbFnijE9cYPrZGsfuM5BYLtYmu'),
    );
    await store.close();
  });

  it('NCQ3 wins over blocks/ as hbs2-peer decides: unless block files wait for migration', async () => {
    fs.mkdirSync(path.join(dir, 'blocks', 'x'), { recursive: true });
    expect(await probeStoreLayout(dir)).toBe('simple');
    fs.mkdirSync(path.join(dir, 'ncq3', '0'), { recursive: true });
    expect(await probeStoreLayout(dir)).toBe('ncq3'); // empty directories do not count
    fs.writeFileSync(path.join(dir, 'blocks', 'x', 'yz'), 'a block');
    expect(await probeStoreLayout(dir)).toBe('simple'); // unmigrated: hbs2-peer refuses
    fs.writeFileSync(path.join(dir, 'ss-ncq3-done'), '');
    expect(await probeStoreLayout(dir)).toBe('ncq3'); // migrated: hbs2-peer ignores blocks/
    const store = await openStore(dir, { write: true });
    expect([store.layout, store.created]).toEqual(['ncq3', false]);
    await store.close();
  });
});

describe('initStoreDirectories', () => {
  it("makes the simple layout's 58 block directories, or NCQ3's ncq3/0", async () => {
    const simpleDir = path.join(dir, 'simple');
    const simple = await openStore(simpleDir, { write: true, createFormat: 'simple' });
    await initStoreDirectories(simple);
    await simple.close();
    expect(fs.readdirSync(path.join(simpleDir, 'blocks'))).toHaveLength(58);
    const ncqDir = path.join(dir, 'ncq3');
    const ncq = await openStore(ncqDir, { write: true, createFormat: 'ncq3' });
    await initStoreDirectories(ncq);
    await ncq.close();
    expect(fs.statSync(path.join(ncqDir, 'ncq3', '0')).isDirectory()).toBe(true);
  });
});
