/**
 * `hbs2 pin add|rm|ls`, `store --name/--no-pin`, `hbs2 gc [--dry-run]` on the built CLI:
 * gc reclaims exactly the unshared blocks of an unpinned file (the expected set computed
 * from `hbs2 deps`, independently of gc), deletes nothing on a walk error, keeps group
 * key trees; fsck treats stale temp files as warnings.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeFilesSharingABlock } from '../helpers/bytes.js';
import { cliIn, expectOneError, useTempDir } from '../helpers/cli.js';
import { diffSnapshots, snapshotDir } from '../helpers/hostile.js';
import { pinRefKey } from '../../src/pins/record.js';
import { hashToString } from '../../src/store/hash.js';

const dir = useTempDir();
const cli = cliIn(dir);
const file = (name: string) => path.join(dir(), name);
const storeDir = (store: string) => path.join(dir(), store);
/**
 * Every store of this suite is in the simple layout (a `blocks/` directory decides; new
 * stores are NCQ3), so block files can be listed, aged and removed. The same lifecycle on
 * NCQ3 is in ncq3-write.test.ts.
 */
const simple = (store = 'store') => {
  fs.mkdirSync(path.join(storeDir(store), 'blocks'), { recursive: true });
  return store;
};
const run = (args: readonly string[], store?: string) => cli.run(args, simple(store));
const ok = (args: readonly string[], store?: string) => cli.ok(args, simple(store));

/** Every block name of a store. */
function blocksOf(store: string): Set<string> {
  const out = new Set<string>();
  const root = path.join(storeDir(store), 'blocks');
  for (const c of fs.readdirSync(root))
    for (const f of fs.readdirSync(path.join(root, c))) out.add(c + f);
  return out;
}

/** Dates every block file an hour back: gc keeps blocks written in its last seconds. */
function ageBlocks(store: string): void {
  const past = new Date(Date.now() - 3600_000);
  for (const b of blocksOf(store))
    fs.utimesSync(path.join(storeDir(store), 'blocks', b[0]!, b.slice(1)), past, past);
}

const deps = (root: string, store: string) => new Set(ok(['deps', root], store).split('\n'));

interface PinJson {
  name: string;
  root: string;
  size: number;
  date: string;
}
const pins = (store: string) => JSON.parse(ok(['pin', 'ls', '--json'], store)) as PinJson[];

let a: Buffer;
let b: Buffer;
beforeAll(() => {
  ({ a, b } = writeFilesSharingABlock(file));
});

describe('pins and gc', () => {
  it('stores two files, unpins one; gc reclaims exactly its unshared blocks', () => {
    const s = 'two';
    const rootA = ok(['store', '--no-progress', 'a.bin'], s);
    const rootB = ok(['store', '--no-progress', '--name', 'bee', 'b.bin'], s);
    const listed = pins(s);
    expect(listed.map((p) => [p.name, p.root])).toEqual([
      ['a.bin', rootA],
      ['bee', rootB],
    ]);
    expect(listed[0]!.size).toBeGreaterThan(a.length);
    expect(Date.parse(listed[0]!.date)).toBeGreaterThan(Date.now() - 600_000);

    const depsA = deps(rootA, s);
    const depsB = deps(rootB, s);
    const blocksBefore = blocksOf(s);
    expect(ok(['pin', 'rm', 'a.bin'], s)).toMatch(/^unpinned .*a\.bin$/);
    expect(pins(s).map((p) => p.name)).toEqual(['bee']);
    // A's own blocks and A's pin record: the blocks nothing else needs.
    const records = [...blocksBefore].filter((h) => !depsA.has(h) && !depsB.has(h));
    expect(records).toHaveLength(2);
    const expected = [
      ...[...depsA].filter((h) => !depsB.has(h)),
      ...records.filter((h) => h !== recordOf('bee', s)),
    ];
    expect(expected).toHaveLength(4); // A's root, its 2 own data blocks, its record
    ageBlocks(s);

    const snap = snapshotDir(storeDir(s));
    const dry = run(['gc', '--dry-run'], s);
    expect(dry.status, dry.stderr).toBe(0);
    const wouldDelete = dry.out
      .split('\n')
      .filter((l) => l.startsWith('would delete '))
      .map((l) => l.slice('would delete '.length));
    expect(new Set(wouldDelete)).toEqual(new Set(expected));
    expect(dry.out).toContain(`would reclaim ${expected.length} blocks`);
    expect(diffSnapshots(snap, snapshotDir(storeDir(s)))).toEqual({
      changed: [],
      removed: [],
      added: [],
    });

    const g = JSON.parse(ok(['gc', '--json'], s)) as {
      reclaimed: { blocks: number; bytes: number; hashes: string[] };
    };
    expect(new Set(g.reclaimed.hashes)).toEqual(new Set(expected));
    expect(blocksOf(s)).toEqual(new Set([...blocksBefore].filter((h) => !expected.includes(h))));
    expect(run(['cat', rootB], s).stdout.equals(b)).toBe(true);
    expectOneError(run(['cat', rootA], s), 6);
    expect(ok(['gc'], s)).toMatch(/^reclaimed 0 blocks, 0 bytes/);
  });

  it('pin add refuses a missing root (exit 6) and leaves the store as it was', () => {
    const s = 'missing';
    ok(['store', '--no-progress', 'b.bin'], s);
    const snap = snapshotDir(storeDir(s));
    const r = run(['pin', 'add', 'FMqApxg8fAWSnamHHwHX3hCSXvDFZe1UoqpPmfeCvtu9'], s);
    expectOneError(r, 6, { text: 'not in the store', emptyStdout: true });
    expect(diffSnapshots(snap, snapshotDir(storeDir(s))).added).toEqual([]);
    expect(diffSnapshots(snap, snapshotDir(storeDir(s))).removed).toEqual([]);
    expectOneError(run(['pin', 'rm', 'nothing-by-this-name'], s), 6);
  });

  it('gc deletes nothing when a pinned block is missing (exit 6)', () => {
    const s = 'broken';
    const rootA = ok(['store', '--no-progress', 'a.bin'], s);
    ok(['store', '--no-progress', '--no-pin', 'b.bin'], s);
    const lost = [...deps(rootA, s)][2]!;
    fs.rmSync(path.join(storeDir(s), 'blocks', lost[0]!, lost.slice(1)));
    ageBlocks(s);
    const snap = snapshotDir(storeDir(s));
    expectOneError(run(['gc'], s), 6, { text: lost, emptyStdout: true });
    expect(diffSnapshots(snap, snapshotDir(storeDir(s)))).toEqual({
      changed: [],
      removed: [],
      added: [],
    });
  });

  it('pin add by root, same root twice, rm by root; a copied store keeps its pins', () => {
    const s = 'byroot';
    const root = ok(['store', '--no-progress', '--no-pin', 'b.bin'], s);
    expect(pins(s)).toEqual([]);
    ok(['pin', 'add', root], s);
    ok(['pin', 'add', '--name', 'second', root], s);
    expect(pins(s).map((p) => p.name)).toEqual([root, 'second']);
    fs.cpSync(storeDir(s), storeDir('copy'), { recursive: true });
    expect(pins('copy').map((p) => p.name)).toEqual([root, 'second']);
    expect(ok(['pin', 'rm', root], s).split('\n')).toHaveLength(2);
    expect(pins(s)).toEqual([]);
    expect(pins('copy')).toHaveLength(2);
  });

  it('store replaces a pin of the same name with a warning; bad names are exit 2', () => {
    const s = 'names';
    fs.writeFileSync(file('same.txt'), 'one');
    const first = ok(['store', 'same.txt'], s);
    fs.writeFileSync(file('same.txt'), 'two');
    const r = run(['store', 'same.txt'], s);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain(`hbs2: warning: pin 'same.txt' now names`);
    expect(r.stderr).toContain(first);
    expect(pins(s).map((p) => p.root)).toEqual([r.out.trim()]);
    expect(ok(['store', '-'], s)).toBeTruthy();
    expect(pins(s).map((p) => p.name)).toEqual(['same.txt', 'stdin']);
    const snap = snapshotDir(storeDir(s));
    expectOneError(run(['store', '--name', '', 'same.txt'], s), 2, { emptyStdout: true });
    expectOneError(run(['store', '--no-pin', '--name', 'x', 'same.txt'], s), 2);
    expect(diffSnapshots(snap, snapshotDir(storeDir(s))).added).toEqual([]);
  });

  it('keeps the group key tree of a pinned encrypted tree and every key-index group key', () => {
    const s = 'enc';
    ok(['keyring', 'new', '-o', 'A.key'], s);
    fs.writeFileSync(file('A.pubs'), ok(['keyring', 'pubs', 'A.key'], s) + '\n');
    ok(['groupkey-new', 'A.pubs', '-o', 'GK1'], s);
    ok(['groupkey-new', 'A.pubs', '-o', 'GK2'], s);
    const pinned = ok(['store', '--no-progress', '-g', 'GK1', '-k', 'A.key', 'a.bin'], s);
    ok(['store', '--no-progress', '--no-pin', '-g', 'GK2', '-k', 'A.key', 'b.bin'], s);
    const gk2 = ok(['groupkey', 'store', 'GK2'], s);
    const keepGk2 = deps(gk2, s);
    const needed = deps(pinned, s);
    ageBlocks(s);
    const r = JSON.parse(ok(['gc', '--json'], s)) as { reclaimed: { blocks: number } };
    expect(r.reclaimed.blocks).toBeGreaterThan(0); // the unpinned tree of b.bin
    const left = blocksOf(s);
    for (const h of [...needed, ...keepGk2]) expect(left.has(h), h).toBe(true);
    expect(run(['cat', '-k', 'A.key', pinned], s).stdout.equals(a)).toBe(true);
    expect(ok(['fsck'], s)).toMatch(/0 problems/);
  });

  it('every pin command and gc has help with an example', () => {
    for (const args of [['pin'], ['pin', 'add'], ['pin', 'rm'], ['pin', 'ls'], ['gc']])
      expect(ok([...args, '--help'], 'help'), args.join(' ')).toMatch(/Example:\n {2}hbs2 /);
  });
});

describe('fsck and interrupted commands', () => {
  it('a stale temp file is a warning (exit 0), removed by --repair', () => {
    const s = 'stale';
    ok(['store', '-'], s);
    const tmp = path.join(storeDir(s), 'blocks', '3', '.hbs2-tmp-abc.123');
    fs.mkdirSync(path.dirname(tmp), { recursive: true });
    fs.writeFileSync(tmp, 'partial');
    const r = run(['fsck'], s);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^hbs2: warning: stale-temp blocks\/3\/\.hbs2-tmp-abc\.123/);
    expect(r.stderr).not.toContain('error');
    expect(r.out).toMatch(/0 problems, 1 stale temp file\n/);
    expect(fs.existsSync(tmp)).toBe(true);
    expect(ok(['fsck', '--repair'], s)).toMatch(/1 stale temp file removed/);
    expect(fs.existsSync(tmp)).toBe(false);
  });
});

/** The block a pin's ref points to (its record), read from the ref file hbs2 would read. */
function recordOf(name: string, store: string): string {
  const k = hashToString(pinRefKey(name));
  return fs.readFileSync(path.join(storeDir(store), 'refs', k[0]!, k.slice(1)), 'latin1');
}
