import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FsBlockStore } from '../../../src/store/fs.js';
import { MemoryBlockStore } from '../../../src/store/memory.js';
import { fsck } from '../../../src/store/fsck.js';
import { hashBlock, hashToString, parseHash } from '../../../src/store/hash.js';
import { FormatError, IntegrityError } from '../../../src/errors.js';
import { TEMP_PREFIX } from '../../../src/fsutil.js';
import { BASE58_ALPHABET } from '../../../src/codec/base58.js';
import type { BlockStore } from '../../../src/store/blockstore.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hbs2-store-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const te = new TextEncoder();

async function contract(store: BlockStore): Promise<void> {
  const hello = te.encode('hello world');
  const h = await store.put(hello);
  expect(hashToString(h)).toBe('3X64Dqnoxy5ihmfCdqP25q6QmjMKjTKVSaX6vUEbthqR');
  expect(await store.put(hello, h)).toEqual(h);
  expect(await store.has(h)).toBe(true);
  expect(await store.get(h)).toEqual(hello);
  const empty = await store.put(new Uint8Array(0));
  expect(hashToString(empty)).toBe('xyw95Bsby3s4mt6f4FmFDnFVpQBAeJxBFNGzu2cX4dM');
  expect(await store.get(empty)).toEqual(new Uint8Array(0));
  const all: string[] = [];
  for await (const x of store.hashes()) all.push(hashToString(x));
  expect(all.sort()).toEqual([hashToString(h), hashToString(empty)].sort());
  expect(await store.del(h)).toBe(true);
  expect(await store.del(h)).toBe(false);
  expect(await store.get(h)).toBeNull();
  expect(await store.has(h)).toBe(false);
  await store.flush();
}

describe('hashes', () => {
  it('parses base58 of exactly 32 bytes only', () => {
    expect(() => parseHash('3X64Dqnoxy5ihmfCdqP25q6QmjMKjTKVSaX6vUEbthq0', 'HASH')).toThrow(
      /HASH: invalid base58 character '0'/,
    );
    expect(() => parseHash(hashToString(new Uint8Array(16).fill(1)), 'HASH')).toThrow(
      /HASH: .*decodes to 16/,
    );
    expect(() => parseHash('', 'HASH')).toThrow(FormatError);
  });
});

describe('MemoryBlockStore', () => {
  it('keeps the BlockStore contract', () => contract(new MemoryBlockStore()));
  it('verifies on read', async () => {
    const s = new MemoryBlockStore();
    const h = hashBlock(te.encode('a'));
    s.putRaw(h, te.encode('b'));
    await expect(s.get(h)).rejects.toThrow(IntegrityError);
  });
});

describe('FsBlockStore', () => {
  it('keeps the BlockStore contract', () => contract(new FsBlockStore(dir)));

  it("uses hbs2's layout blocks/<c>/<rest> and reads an existing hbs2 store", async () => {
    const s = new FsBlockStore(dir);
    const h = await s.put(te.encode('hello world'));
    const file = path.join(dir, 'blocks', '3', 'X64Dqnoxy5ihmfCdqP25q6QmjMKjTKVSaX6vUEbthqR');
    expect(fs.readFileSync(file, 'utf8')).toBe('hello world');
    expect(s.blockPath(h)).toBe(file);
    // A store written by hbs2 (plain files, with its refs/ and temp/ dirs) just works.
    const other = path.join(dir, 'hbs2');
    fs.mkdirSync(path.join(other, 'blocks', 'F'), { recursive: true });
    fs.mkdirSync(path.join(other, 'refs', 'F'), { recursive: true });
    fs.mkdirSync(path.join(other, 'temp'), { recursive: true });
    const leaf = Buffer.from(
      '82019f820082005820256c83b297114d201b30179f3f0ef0cace9783622da5974326b436178aeef610ff',
      'hex',
    );
    fs.writeFileSync(
      path.join(other, 'blocks', 'F', 'MqApxg8fAWSnamHHwHX3hCSXvDFZe1UoqpPmfeCvtu9'),
      leaf,
    );
    const s2 = new FsBlockStore(other);
    expect(await s2.get(parseHash('FMqApxg8fAWSnamHHwHX3hCSXvDFZe1UoqpPmfeCvtu9'))).toEqual(
      new Uint8Array(leaf),
    );
  });

  it('init creates blocks/ and the 58 subdirectories', async () => {
    const s = new FsBlockStore(dir);
    await s.init();
    expect(fs.readdirSync(path.join(dir, 'blocks')).sort()).toEqual([...BASE58_ALPHABET].sort());
  });

  it('leaves no temp files, does not rewrite an existing block, replaces a damaged one', async () => {
    const s = new FsBlockStore(dir);
    const block = te.encode('some block');
    const h = await s.put(block);
    const file = s.blockPath(h);
    const ino = fs.statSync(file).ino;
    await s.put(block);
    expect(fs.statSync(file).ino).toBe(ino);
    fs.writeFileSync(file, '');
    await s.put(block);
    expect(fs.readFileSync(file, 'utf8')).toBe('some block');
    const leftovers = fs.readdirSync(path.dirname(file)).filter((n) => n.startsWith(TEMP_PREFIX));
    expect(leftovers).toEqual([]);
  });

  it('verifies on read and names the corrupt block', async () => {
    const s = new FsBlockStore(dir);
    const h = await s.put(te.encode('payload'));
    fs.writeFileSync(s.blockPath(h), 'tampered');
    await expect(s.get(h)).rejects.toThrow(new RegExp(`block ${hashToString(h)} is corrupt`));
  });

  it('handles many parallel puts', async () => {
    const s = new FsBlockStore(dir, { syncFiles: false });
    const blocks = Array.from({ length: 200 }, (_, i) => te.encode(`block ${i}`));
    const hs = await Promise.all(blocks.map((b) => s.put(b)));
    await s.flush();
    for (const [i, h] of hs.entries()) expect(await s.get(h)).toEqual(blocks[i]);
  });
});

describe('fsck', () => {
  it('finds bad names, mismatches, zero-size blocks and stale temps; repair quarantines', async () => {
    const s = new FsBlockStore(dir);
    const good = await s.put(te.encode('good'));
    const bad = await s.put(te.encode('will be corrupted'));
    const zero = await s.put(te.encode('will be emptied'));
    const empty = await s.put(new Uint8Array(0));
    fs.writeFileSync(s.blockPath(bad), 'corrupted');
    fs.writeFileSync(s.blockPath(zero), '');
    const cdir = path.dirname(s.blockPath(good));
    fs.writeFileSync(path.join(cdir, `${TEMP_PREFIX}abc.123`), 'partial');
    fs.writeFileSync(path.join(cdir, 'atomic123.write'), 'partial');
    fs.writeFileSync(path.join(cdir, 'shortname'), 'x');

    const r = await fsck(dir);
    expect(r.checked).toBe(7);
    expect(r.ok).toBe(2);
    const byKind = (k: string) => r.problems.filter((p) => p.kind === k);
    expect(byKind('hash-mismatch').map((p) => p.hash)).toEqual([hashToString(bad)]);
    expect(byKind('zero-size').map((p) => p.hash)).toEqual([hashToString(zero)]);
    expect(byKind('stale-temp').length).toBe(2);
    expect(byKind('bad-name').length).toBe(1);
    expect(r.unrepaired).toBe(3); // stale temp files are warnings, not failures
    expect(r.problems.every((p) => p.action === 'none')).toBe(true);

    const fixed = await fsck(dir, { repair: true });
    expect(fixed.unrepaired).toBe(0);
    const q = fs.readdirSync(path.join(dir, 'quarantine')).sort();
    expect(q).toContain(hashToString(bad));
    expect(q).toContain(hashToString(zero));
    expect(fs.readFileSync(path.join(dir, 'quarantine', hashToString(bad)), 'utf8')).toBe(
      'corrupted',
    );
    expect(await s.get(bad)).toBeNull();
    expect(await s.get(good)).toEqual(te.encode('good'));
    expect(await s.get(empty)).toEqual(new Uint8Array(0));

    const clean = await fsck(dir);
    expect(clean.problems).toEqual([]);
    expect(clean.ok).toBe(2);
  });

  it('an absent store is empty, not an error', async () => {
    const r = await fsck(path.join(dir, 'nothing'));
    expect(r).toEqual({ checked: 0, ok: 0, problems: [], unrepaired: 0 });
  });
});
