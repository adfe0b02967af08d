import { describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { encodeBase58 } from '../../src/codec/base58.js';
import { hashBlock } from '../../src/store/hash.js';
import { encodeMTree, type MTree } from '../../src/tree/node.js';
import { runCli, useTempDir, type CliBytesRun, expectOneError } from '../helpers/cli.js';

const dir = useTempDir();

/** Runs the built CLI with its own store (HBS2_STORE) and config home in the temp dir. */
const hbs2 = (args: string[], input: string | Buffer = '', store = 'store'): CliBytesRun =>
  runCli(dir(), args, { input, store, bytes: true });

/** One clean error line with exit `code`, naming `text` when given. */
const expectError = (r: CliBytesRun, code: number, text?: string): void =>
  expectOneError(r, code, { text });

const file = (name: string) => path.join(dir(), name);
/**
 * Makes `store` a simple-layout store (one file per block) for tests that look at its
 * block files: a `blocks/` directory decides the layout (new stores are NCQ3).
 */
const simpleStore = (store: string): string => {
  fs.mkdirSync(path.join(dir(), store, 'blocks'), { recursive: true });
  return store;
};
/** The stderr of a command that created its store: the one line saying so, removed. */
const withoutCreated = (stderr: string) =>
  stderr.replace(/^hbs2: created an NCQ3 store \(hbs2 0\.25's layout\) at .*\n/, '');
const blockFile = (store: string, h: string) =>
  path.join(dir(), store, 'blocks', h[0]!, h.slice(1));

/** Puts bytes straight into a store directory in hbs2's layout (for hostile trees). */
function putFile(store: string, bytes: Uint8Array, name = encodeBase58(hashBlock(bytes))): string {
  const f = blockFile(store, name);
  fs.mkdirSync(path.dirname(f), { recursive: true });
  fs.writeFileSync(f, bytes);
  return name;
}
const putTree = (store: string, t: MTree) => putFile(store, encodeMTree(t));
const mod251 = (n: number) => Buffer.from(Uint8Array.from({ length: n }, (_, i) => i % 251));

describe('store / cat / hash --tree round trips', () => {
  const cases: [string, Buffer, string | null][] = [
    ['empty', Buffer.alloc(0), '56JXzPzJQzaC9PuniQ7zHCPjedLhyc8vBjn3RtcwfXDt'],
    ['hello world', Buffer.from('hello world'), 'FMqApxg8fAWSnamHHwHX3hCSXvDFZe1UoqpPmfeCvtu9'],
    ['600000 bytes', mod251(600_000), '6ZR7srf51PGscTTHd4uUR4kRszbUUkHb4v1u2tmkTs1F'],
    ['3 exact blocks', mod251(3 * 262_144), null],
    [
      '5 MB random',
      Buffer.from(Array.from({ length: 5_000_000 }, () => (Math.random() * 256) | 0)),
      null,
    ],
  ];
  for (const [name, data, root] of cases) {
    it(name, () => {
      const f = file(`in-${name.replace(/ /g, '_')}`);
      fs.writeFileSync(f, data);
      const s = hbs2(['store', f]);
      expect(withoutCreated(s.stderr)).toBe('');
      expect(s.status).toBe(0);
      const printed = s.out.trim();
      expect(s.out).toMatch(/^[1-9A-HJ-NP-Za-km-z]{32,44}\n$/);
      if (root) expect(printed).toBe(root);
      const c = hbs2(['cat', printed]);
      expect(c.status).toBe(0);
      expect(c.stdout.equals(data)).toBe(true);
      const t = hbs2(['hash', '--tree', f]);
      expect(t.out.trim()).toBe(printed);
      const o = hbs2(['cat', printed, '-o', file('out.bin')]);
      expect(o.status).toBe(0);
      expect(fs.readFileSync(file('out.bin')).equals(data)).toBe(true);
    });
  }
});

describe('cat -H, -r, blocks on disk', () => {
  it('lists data block hashes in order; the first is at blocks/<c>/<rest>', () => {
    const store = simpleStore('on-disk');
    fs.writeFileSync(file('c.bin'), mod251(600_000));
    const root = hbs2(['store', file('c.bin')], '', store).out.trim();
    const h = hbs2(['cat', '-H', root], '', store);
    expect(h.out.split('\n').filter(Boolean)).toEqual([
      'EwNEJwesZtfgcvQeTYXaTwHfdAwCHawfYXCaW2UDx2ZD',
      'A5bjaTXkXrFUYxNhJub4KFjxWRrmPZD9xkBqDCg1FzqZ',
      '7YEmBxNTAc3u2FCwHjGccAV5Tmu2GE4uuEScneD9uXC8',
    ]);
    const first = blockFile(store, 'EwNEJwesZtfgcvQeTYXaTwHfdAwCHawfYXCaW2UDx2ZD');
    expect(fs.readFileSync(first).equals(mod251(262_144))).toBe(true);
    expect(hbs2(['cat', '--hashes-only', root], '', store).out).toBe(h.out);
    // -r: the raw root block (a 118-byte leaf).
    expect(hbs2(['cat', '-r', root], '', store).stdout.length).toBe(118);
    expect(
      hbs2(
        ['cat', '--raw', 'EwNEJwesZtfgcvQeTYXaTwHfdAwCHawfYXCaW2UDx2ZD'],
        '',
        store,
      ).stdout.equals(mod251(262_144)),
    ).toBe(true);
  });
});

describe('a corrupt data block', () => {
  it('cat stops before it (exit 4), fsck names it, --repair quarantines it, then cat says missing (6)', () => {
    const store = simpleStore('corrupt');
    const data = mod251(3 * 262_144 + 1000);
    fs.writeFileSync(file('d.bin'), data);
    const root = hbs2(['store', file('d.bin')], '', store).out.trim();
    const hashes = hbs2(['cat', '-H', root], '', store).out.split('\n').filter(Boolean);
    expect(hashes).toHaveLength(4);
    const bad = hashes[2]!;
    const f = blockFile(store, bad);
    const bytes = fs.readFileSync(f);
    bytes[100] = bytes[100]! ^ 1;
    fs.writeFileSync(f, bytes);

    const c = hbs2(['cat', root], '', store);
    expectError(c, 4, bad);
    expect(c.stdout.length).toBe(2 * 262_144);
    expect(c.stdout.equals(data.subarray(0, 2 * 262_144))).toBe(true);
    // With -o nothing at all is left behind.
    expectError(hbs2(['cat', root, '-o', file('never.bin')], '', store), 4, bad);
    expect(fs.existsSync(file('never.bin'))).toBe(false);
    expect(fs.readdirSync(dir()).filter((n) => n.startsWith('.hbs2-tmp-'))).toEqual([]);

    const k = hbs2(['fsck'], '', store);
    expect(k.status).toBe(4);
    expect(k.out).toContain(bad);
    expect(k.out).toMatch(/hash-mismatch/);
    expect(k.out).toMatch(/1 problem/);

    const r = hbs2(['fsck', '--repair'], '', store);
    expect(r.status).toBe(0);
    expect(r.out).toContain('quarantined');
    expect(fs.existsSync(path.join(dir(), store, 'quarantine', bad))).toBe(true);
    expect(fs.existsSync(f)).toBe(false);

    expect(hbs2(['fsck'], '', store).status).toBe(0);
    expectError(hbs2(['cat', root], '', store), 6, bad);
  });
});

describe('hostile trees', () => {
  const store = 'hostile';

  it('a node pointing at a missing block → 6 naming it', () => {
    const missing = encodeBase58(hashBlock(Buffer.from('not stored')));
    const root = putTree(store, {
      type: 'node',
      height: 1,
      children: [hashBlock(Buffer.from('not stored'))],
    });
    expectError(hbs2(['cat', root], '', store), 6, missing);
  });

  it('a tree nested deeper than the limit → 3', () => {
    const data = Buffer.from('deep');
    putFile(store, data);
    let t: MTree = { type: 'leaf', hashes: [hashBlock(data)] };
    let name = putTree(store, t);
    for (let i = 0; i < 70; i++) {
      t = { type: 'node', height: i + 1, children: [hashBlock(encodeMTree(t))] };
      name = putTree(store, t);
    }
    expectError(hbs2(['cat', name], '', store), 3, 'deeper');
  });

  it('an undecodable node → 3 naming it', () => {
    const junk = Buffer.from('this is no tree');
    const junkName = putFile(store, junk);
    const root = putTree(store, { type: 'node', height: 1, children: [hashBlock(junk)] });
    expectError(hbs2(['cat', root], '', store), 3, junkName);
  });

  it('a forged cycle is caught at the forged block (exit 4): a verifying store cannot hold a cycle', () => {
    // B's name is chosen, its content points back at A; B fails verification first.
    const bHash = hashBlock(Buffer.from('name of the forged block'));
    const bName = encodeBase58(bHash);
    const a: MTree = { type: 'node', height: 2, children: [bHash] };
    const aName = putTree(store, a);
    putFile(
      store,
      encodeMTree({ type: 'node', height: 1, children: [hashBlock(encodeMTree(a))] }),
      bName,
    );
    expectError(hbs2(['cat', aName], '', store), 4, bName);
  });
});

describe('deps and del', () => {
  it('deps lists every block once; del -r -y removes them all; --keep protects shared blocks', () => {
    const store = simpleStore('deps');
    fs.writeFileSync(file('e.bin'), mod251(600_000));
    // Not pinned: this test empties the store by hand with del.
    const root = hbs2(['store', '--no-pin', file('e.bin')], '', store).out.trim();
    const d = hbs2(['deps', root], '', store);
    expect(d.status).toBe(0);
    const lines = d.out.split('\n').filter(Boolean);
    expect(lines[0]).toBe(root);
    expect(lines.slice(1)).toEqual(
      hbs2(['cat', '-H', root], '', store).out.split('\n').filter(Boolean),
    );
    const j = JSON.parse(hbs2(['deps', '--json', root], '', store).out) as { role: string }[];
    expect(j.map((x) => x.role)).toEqual(['root', 'data', 'data', 'data']);

    // A second object sharing the first two data blocks.
    fs.writeFileSync(file('f.bin'), mod251(2 * 262_144));
    const other = hbs2(['store', '--no-pin', file('f.bin')], '', store).out.trim();
    const del = hbs2(['del', '-r', '-y', '--json', root, '--keep', other], '', store);
    expect(del.status).toBe(0);
    const deleted = JSON.parse(del.out) as { deleted: number; kept: number; blocks: string[] };
    expect(deleted.blocks.sort()).toEqual([root, lines[3]].sort());
    expect(deleted.kept).toBe(2);
    expect(hbs2(['cat', other], '', store).stdout.equals(mod251(2 * 262_144))).toBe(true);
    expect(hbs2(['del', '-r', '-y', other], '', store).out).toMatch(/^deleted 3 blocks \(/);
    expect(
      fs
        .readdirSync(path.join(dir(), store, 'blocks'))
        .flatMap((c) => fs.readdirSync(path.join(dir(), store, 'blocks', c))),
    ).toEqual([]);
  });

  it('del without a terminal and without -y deletes nothing (exit 2); -y deletes with one summary', () => {
    const store = simpleStore('ask');
    fs.writeFileSync(file('g.bin'), mod251(300_000));
    const root = hbs2(['store', file('g.bin')], '', store).out.trim();
    // Answers on a pipe are not a confirmation: a script must say -y.
    const r = hbs2(['del', '-r', root], 'y\ny\ny\n', store);
    expectError(r, 2, 'nobody to confirm');
    expect(r.stderr).toContain('add -y');
    expect(r.stderr).not.toContain('? [y/N]');
    expect(fs.existsSync(blockFile(store, root))).toBe(true);
    const y = hbs2(['del', '-r', '-y', root], '', store);
    expect(y.status).toBe(0);
    expect(y.out).toBe('deleted 3 blocks (293.0 KiB)\n');
    expect(fs.existsSync(blockFile(store, root))).toBe(false);
  });

  it('deps of a tree with a missing block lists the rest, warns, exits 6', () => {
    const store = simpleStore('deps-missing');
    fs.writeFileSync(file('h.bin'), mod251(600_000));
    const root = hbs2(['store', file('h.bin')], '', store).out.trim();
    fs.rmSync(blockFile(store, 'A5bjaTXkXrFUYxNhJub4KFjxWRrmPZD9xkBqDCg1FzqZ'));
    const d = hbs2(['deps', root], '', store);
    expect(d.status).toBe(6);
    expect(d.out.split('\n').filter(Boolean)).toHaveLength(3);
    expect(d.stderr).toContain('A5bjaTXkXrFUYxNhJub4KFjxWRrmPZD9xkBqDCg1FzqZ is missing');
  });
});

describe('fsck', () => {
  it('reports bad names (exit 4) and stale temp files (a warning), repairs both, then exit 0', () => {
    const store = simpleStore('fsck');
    hbs2(['store', '-'], 'hello world', store);
    const cdir = path.join(dir(), store, 'blocks', '3');
    fs.writeFileSync(path.join(cdir, 'atomic42.write'), 'x');
    fs.writeFileSync(path.join(cdir, 'short'), 'x');
    const k = hbs2(['fsck', '--json'], '', store);
    expect(k.status).toBe(4);
    const j = JSON.parse(k.out) as { problems: { kind: string }[]; ok: number };
    expect(j.problems.map((p) => p.kind).sort()).toEqual(['bad-name', 'stale-temp']);
    expect(j.ok).toBe(3); // the tree's two blocks and its pin record
    const r = hbs2(['fsck', '--repair'], '', store);
    expect(r.status).toBe(0);
    expect(r.out).toMatch(/1 problem, 1 repaired, 1 stale temp file removed/);
    expect(fs.existsSync(path.join(cdir, 'atomic42.write'))).toBe(false);
    expect(fs.existsSync(path.join(dir(), store, 'quarantine', '3short'))).toBe(true);
    expect(hbs2(['fsck'], '', store).out).toMatch(/0 problems/);
  });
});
