/**
 * Writing commands on NCQ3 stores through the built CLI: new stores are NCQ3 (said once),
 * hbs2's lock excludes a second writer at once, pins and gc reclaim exactly the unshared
 * blocks and the disk space, an hbs2-written store keeps what hbs2 wrote when written to,
 * fsck --repair cuts a torn tail as hbs2 would, compaction merges the index files, and
 * migrate round-trips hbs2's own simple stores.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { NcqBlockStore } from '../../src/store/ncq3/store.js';
import { hashToString, parseHash } from '../../src/store/hash.js';
import { writeFilesSharingABlock } from '../helpers/bytes.js';
import { cliIn, expectOneError, useTempDir } from '../helpers/cli.js';
import { F3MIB17_ROOT, f3MiB17, materializeStore } from '../helpers/ncq3-vectors.js';
import { STORE_NAMES, vectorPath } from '../helpers/hbs2-written.js';

const dir = useTempDir();
const { run, ok } = cliIn(dir);
const file = (name: string) => path.join(dir(), name);
const storeDir = (store: string) => path.join(dir(), store);
const workdir = (store: string) => path.join(storeDir(store), 'ncq3', '0');
const names = (store: string) =>
  fs
    .readdirSync(workdir(store))
    .filter((n) => /^[fis]-/.test(n))
    .sort();
const dataBytes = (store: string) =>
  names(store)
    .filter((n) => n.endsWith('.data'))
    .reduce((sum, n) => sum + fs.statSync(path.join(workdir(store), n)).size, 0);
const deps = (root: string, store: string) => new Set(ok(['deps', root], store).split('\n'));

/** Every live block of an NCQ3 store, read with the library (base58). */
async function blocksOf(store: string): Promise<Set<string>> {
  const s = await NcqBlockStore.open(storeDir(store));
  const out = new Set<string>();
  for await (const h of s.hashes()) out.add(hashToString(h));
  await s.close();
  return out;
}

let a: Buffer;
let b: Buffer;
beforeAll(() => {
  ({ a, b } = writeFilesSharingABlock(file));
});

describe('new stores', () => {
  it('are NCQ3, said once on stderr; only hbs2-named files are written', () => {
    const first = run(['store', 'a.bin'], 'new');
    expect(first.status, first.stderr).toBe(0);
    expect(first.stderr).toMatch(/^hbs2: created an NCQ3 store \(hbs2 0\.25's layout\) at /);
    const second = run(['store', 'b.bin'], 'new');
    expect([second.status, second.stderr]).toEqual([0, '']);
    expect(run(['cat', first.out.trim()], 'new').stdout.equals(a)).toBe(true);
    expect(fs.readdirSync(storeDir('new'))).toEqual(['ncq3']);
    for (const n of names('new'))
      expect(n).toMatch(/^(f-[0-9a-f]{16}\.data|i-[0-9a-f]{16}\.cq|s-[0-9a-f]{16})$/);
    expect(fs.readdirSync(workdir('new')).filter((n) => !/^[fis]-/.test(n))).toEqual(['.lock']);
  });

  it('--format simple, or store-format: simple in the config, creates the simple layout', () => {
    const r = run(['store', '--format', 'simple', 'b.bin'], 'by-flag');
    expect(r.stderr).toMatch(/created a simple-layout store/);
    expect(fs.existsSync(path.join(storeDir('by-flag'), 'blocks'))).toBe(true);
    fs.mkdirSync(path.join(dir(), 'config', 'hbs2'), { recursive: true });
    fs.writeFileSync(path.join(dir(), 'config', 'hbs2', 'toolkit.yaml'), 'store-format: simple\n');
    try {
      ok(['store', 'b.bin'], 'by-config');
      expect(fs.readdirSync(storeDir('by-config'))).toContain('blocks');
    } finally {
      fs.rmSync(path.join(dir(), 'config', 'hbs2', 'toolkit.yaml'));
    }
    expectOneError(run(['store', '--format', 'ncq4', 'b.bin'], 'bad'), 2, { text: '--format' });
  });
});

describe("hbs2's lock", () => {
  it('a writing command fails at once while it is held; reading commands still work', async () => {
    const root = ok(['store', 'b.bin'], 'locked');
    const lock = path.join(workdir('locked'), '.lock');
    const holder = spawn('flock', ['-w', '10', lock, 'sleep', '30'], { stdio: 'ignore' });
    try {
      while (spawnSync('flock', ['-n', lock, 'true']).status === 0)
        await new Promise((r) => setTimeout(r, 20));
      const before = names('locked');
      const r = run(['store', 'a.bin'], 'locked');
      expectOneError(r, 2, { text: 'is locked by another process (pid', emptyStdout: true });
      expect(r.stderr).toMatch(/hbs2: hint: a running hbs2-peer/);
      expect(names('locked')).toEqual(before);
      expect(run(['cat', root], 'locked').stdout.equals(b)).toBe(true);
      expect(ok(['pin', 'ls'], 'locked')).toContain(root);
      expect(ok(['gc', '--dry-run'], 'locked')).toMatch(/would reclaim 0 blocks/);
    } finally {
      holder.kill();
    }
  });
});

describe('pins and gc on NCQ3', () => {
  it('unpinning one of two files: gc reclaims exactly its unshared blocks and their space', async () => {
    const s = 'gc';
    const rootA = ok(['store', '--name', 'a', 'a.bin'], s);
    const rootB = ok(['store', '--name', 'b', 'b.bin'], s);
    expect(JSON.parse(ok(['pin', 'ls', '--json'], s)).map((p: { name: string }) => p.name)).toEqual(
      ['a', 'b'],
    );
    const [depsA, depsB] = [deps(rootA, s), deps(rootB, s)];
    const before = await blocksOf(s);
    ok(['pin', 'rm', 'a'], s);
    const expected = new Set([...depsA].filter((h) => !depsB.has(h)));
    const dry = JSON.parse(ok(['gc', '--dry-run', '--json'], s)) as {
      reclaimed: { hashes: string[] };
    };
    // The unshared blocks of a, and the pin record of a (a block only its ref kept).
    const record = dry.reclaimed.hashes.filter((h) => !expected.has(h));
    expect(record).toHaveLength(1);
    expect(new Set(dry.reclaimed.hashes)).toEqual(new Set([...expected, ...record]));
    const bytesBefore = dataBytes(s);
    const r = JSON.parse(ok(['gc', '--json'], s)) as {
      reclaimed: { hashes: string[]; bytes: number };
    };
    expect(new Set(r.reclaimed.hashes)).toEqual(new Set(dry.reclaimed.hashes));
    expect(await blocksOf(s)).toEqual(
      new Set([...before].filter((h) => !r.reclaimed.hashes.includes(h))),
    );
    expect(bytesBefore - dataBytes(s)).toBeGreaterThanOrEqual(r.reclaimed.bytes);
    expect(run(['cat', rootB], s).stdout.equals(b)).toBe(true);
    expectOneError(run(['cat', rootA], s), 6);
    expect(ok(['fsck'], s)).toMatch(/: 0 problems$/);
    expect(names(s).filter((n) => n.startsWith('i-'))).toHaveLength(1);
  });
});

describe('writing to a store hbs2 wrote', () => {
  it('store, del, metadata create and lwwref keep everything else hbs2 wrote', () => {
    fs.cpSync(
      path.resolve(__dirname, '../vectors/hbs2-written-ncq3/small/prefix'),
      storeDir('small'),
      { recursive: true },
    );
    const root = ok(['store', 'b.bin'], 'small');
    ok(['del', '-y', '4PNCZERNLKAqwSYHhZpb7B4GE34eiYDPXGgeNKWNNaBp'], 'small'); // "hello"
    expectOneError(run(['cat', '-r', '4PNCZERNLKAqwSYHhZpb7B4GE34eiYDPXGgeNKWNNaBp'], 'small'), 6);
    expect(ok(['metadata', 'create', '--auto', '-H', 'a.bin'], 'small')).toMatch(/^\w{43,44}$/);
    expect(run(['cat', F3MIB17_ROOT], 'small').stdout.equals(Buffer.from(f3MiB17()))).toBe(true);
    expect(run(['cat', root], 'small').stdout.equals(b)).toBe(true);
    expect(
      ok(['lwwref', 'get', '8SFqwqnq4whPhs8icwHA2hQg3hUoN1qrCLK1SBx3WKwe'], 'small'),
    ).toContain('(seq 2)');
    expect(ok(['fsck'], 'small')).toMatch(/: 0 problems$/);
  });

  it('fsck --repair cuts a torn tail where hbs2 would, then fsck is clean', () => {
    const torn = materializeStore('crashed/B-torn-after-fact.before', path.join(dir(), 'torn'));
    for (const f of fs.readdirSync(path.join(torn, 'ncq3', '0')))
      fs.chmodSync(path.join(torn, 'ncq3', '0', f), 0o644);
    expect(ok(['fsck'], torn)).toMatch(/^torn-tail .*hbs2 keeps 3147811/m);
    ok(['fsck', '--repair'], torn);
    expect(fs.statSync(path.join(torn, 'ncq3', '0', 'f-0000000000000001.data')).size).toBe(3147811);
    expect(ok(['fsck'], torn)).not.toMatch(/torn-tail/);
    expect(run(['cat', F3MIB17_ROOT], torn).stdout.equals(Buffer.from(f3MiB17()))).toBe(true);
  });
});

describe('store compact', () => {
  it('merges the data and index files of many commands into one each; every root still reads', () => {
    const s = 'many';
    const roots: [string, string][] = [];
    for (let i = 0; i < 6; i++) {
      fs.writeFileSync(file(`m${i}`), `content ${i}\n`);
      roots.push([ok(['store', `m${i}`], s), `content ${i}\n`]);
    }
    expect(names(s).filter((n) => n.startsWith('i-')).length).toBeGreaterThan(1);
    expect(names(s).filter((n) => n.startsWith('f-'))).toHaveLength(6);
    expect(ok(['store', 'compact'], s)).toMatch(
      /6 data file\(s\) rewritten \(6 small ones merged\).*merged into 1/,
    );
    expect(names(s).filter((n) => n.startsWith('i-'))).toHaveLength(1);
    // One data file per command became one data file (§12.2's merge).
    expect(names(s).filter((n) => n.startsWith('f-'))).toHaveLength(1);
    expect(ok(['fsck'], s)).toMatch(/checked 1 NCQ3 data file, .*: 0 problems/);
    for (const [root, text] of roots) expect(ok(['cat', root], s)).toBe(text.trim());
    expect(ok(['store', 'compact', '-p', storeDir('by-flag')])).toMatch(/nothing to compact/);
  });
});

describe('store migrate', () => {
  it.each(STORE_NAMES)(
    "round-trips hbs2's simple store %s: every block, byte for byte",
    async (name) => {
      const prefix = path.join(dir(), `mig-${name}`);
      fs.cpSync(vectorPath(name), prefix, { recursive: true });
      const original = new Map<string, Buffer>();
      for (const c of fs.readdirSync(path.join(prefix, 'blocks')))
        for (const f of fs.readdirSync(path.join(prefix, 'blocks', c)))
          original.set(c + f, fs.readFileSync(path.join(prefix, 'blocks', c, f)));
      expect(ok(['store', 'migrate'], prefix)).toMatch(
        new RegExp(`${original.size} block\\(s\\) copied, ${original.size} verified`),
      );
      expect(fs.readdirSync(prefix).sort()).toEqual(['.blocks.backup', 'ncq3', 'ss-ncq3-done']);
      expect(fs.readFileSync(path.join(prefix, 'ncq3', '0', 'migrate-ss.log'), 'latin1')).toMatch(
        /\nfinished\n$/,
      );
      const ncq = await NcqBlockStore.open(prefix);
      for (const [h, bytes] of original)
        expect(Buffer.from((await ncq.get(parseHash(h)))!).equals(bytes), h).toBe(true);
      await ncq.close();
      expect(ok(['store', 'migrate'], prefix)).toBe('already NCQ3: nothing to do');
      expect(ok(['store', 'migrate', '--to', 'simple'], prefix)).toMatch(/verified/);
      expect(fs.readdirSync(prefix).sort()).toEqual(['.blocks.backup', '.ncq3.backup', 'blocks']);
      for (const [h, bytes] of original)
        expect(
          fs.readFileSync(path.join(prefix, 'blocks', h[0]!, h.slice(1))).equals(bytes),
          h,
        ).toBe(true);
      expect(ok(['store', 'migrate', '--to', 'simple'], prefix)).toBe(
        'already simple: nothing to do',
      );
    },
  );
});
