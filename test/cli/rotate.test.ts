import { beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runCli, useTempDir, type CliBytesRun, expectOneError } from '../helpers/cli.js';
import { BIN, hbs2Env } from '../helpers/hostile.js';

const dir = useTempDir();

/** Runs the built CLI with its own store (HBS2_STORE) and config home in the temp dir. */
const hbs2 = (args: string[], store = 'store'): CliBytesRun =>
  runCli(dir(), args, { store, bytes: true });

function ok(args: string[], store = 'store'): string {
  const r = hbs2(args, store);
  expect(r.status, `hbs2 ${args.join(' ')}: ${r.stderr}`).toBe(0);
  return r.out.trim();
}

/** One clean error line with exit `code`. */
const expectError = (r: CliBytesRun, code: number): void => expectOneError(r, code);

/** Expects `cat -k KEY HASH` to give exactly `data`. */
function readsExactly(key: string, hash: string, data: Buffer, store = 'store'): void {
  const r = hbs2(['cat', '-k', key, hash], store);
  expect(r.status, `cat -k ${key} ${hash}: ${r.stderr}`).toBe(0);
  expect(r.stdout.length).toBe(data.length);
  expect(r.stdout.equals(data)).toBe(true);
}

function countFiles(root: string): number {
  if (!fs.existsSync(root)) return 0;
  let n = 0;
  for (const e of fs.readdirSync(root, { withFileTypes: true })) {
    if (e.isDirectory()) n += countFiles(path.join(root, e.name));
    else n++;
  }
  return n;
}

const gkInfo = (f: string) =>
  JSON.parse(ok(['groupkey', 'dump', '--json', f])) as { id: string; members: string[] };

interface RotateJson {
  root: string;
  mode: string;
  blocksWritten: number;
}

let data: Buffer;
let t0: string;

beforeAll(() => {
  // The simple layout (blocks/ decides; new stores are NCQ3): the tests count and alter
  // block files.
  fs.mkdirSync(path.join(dir(), 'store', 'blocks'), { recursive: true });
  for (const who of ['A', 'B', 'C']) {
    ok(['keyring', 'new', '-o', `${who}.key`]);
    fs.writeFileSync(path.join(dir(), `${who}.pubs`), ok(['keyring', 'pubs', `${who}.key`]) + '\n');
  }
  ok(['groupkey-new', 'A.pubs', '-o', 'GK0']);
  data = randomBytes(3_000_000);
  fs.writeFileSync(path.join(dir(), 'data.bin'), data);
  t0 = ok(['store', '-g', 'GK0', '-k', 'A.key', '--meta', 'rotating', 'data.bin']);
}, 60_000);

describe('key rotation (issue "Key rotation")', () => {
  let t1: string;
  let t2: string;

  it('encrypted for A only: A reads, B gets exit 5', () => {
    readsExactly('A.key', t0, data);
    const r = hbs2(['cat', '-k', 'B.key', t0]);
    expectError(r, 5);
    expect(r.stdout.length).toBe(0);
  });

  it('groupkey update --add keeps the id and has 2 members', () => {
    const r = hbs2(['groupkey', 'update', '-k', 'A.key', '--add', 'B.pubs', 'GK0', '-o', 'GK1']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/added 1, removed 0, secret kept/);
    const [g0, g1] = [gkInfo('GK0'), gkInfo('GK1')];
    expect(g1.id).toBe(g0.id);
    expect(g1.members).toHaveLength(2);
  });

  it('rotate to the same secret re-annotates: ≤ 4 new blocks, B reads T1 and T0', () => {
    const blocks = path.join(dir(), 'store', 'blocks');
    const before = countFiles(blocks);
    const res = JSON.parse(ok(['rotate', t0, '-g', 'GK1', '-k', 'A.key', '--json'])) as RotateJson;
    expect(res.mode).toBe('reannotated');
    expect(res.blocksWritten).toBeLessThanOrEqual(4);
    expect(res.blocksWritten).toBeGreaterThanOrEqual(1);
    expect(countFiles(blocks) - before).toBeLessThanOrEqual(4);
    expect(countFiles(blocks) - before).toBe(res.blocksWritten);
    t1 = res.root;
    expect(t1).not.toBe(t0);
    expect(ok(['cat', '-H', t1])).toBe(ok(['cat', '-H', t0]));
    readsExactly('B.key', t1, data);
    readsExactly('A.key', t1, data);
    // T0 names GK0, which B is not in: B reads it through the key index.
    readsExactly('B.key', t0, data);
    const d = JSON.parse(ok(['cat', '--metadata', '--json', '-k', 'B.key', t0])) as {
      encryption: { canDecrypt: boolean };
      metadata: { text: string | null };
    };
    expect(d.encryption.canDecrypt).toBe(true);
    expect(d.metadata.text).toBe('rotating');
    // Rotating again to the same key writes nothing new.
    const again = JSON.parse(
      ok(['rotate', t0, '-g', 'GK1', '-k', 'A.key', '--json']),
    ) as RotateJson;
    expect(again.root).toBe(t1);
    expect(again.blocksWritten).toBe(0);
  });

  it('removing B changes the id; rotate re-encrypts; B is locked out of T2', () => {
    const r = hbs2(['groupkey', 'update', '-k', 'A.key', '--remove', 'B.pubs', 'GK1', '-o', 'GK2']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/secret rotated/);
    const [g1, g2] = [gkInfo('GK1'), gkInfo('GK2')];
    expect(g2.id).not.toBe(g1.id);
    expect(g2.members).toHaveLength(1);
    const res = JSON.parse(ok(['rotate', t1, '-g', 'GK2', '-k', 'A.key', '--json'])) as RotateJson;
    expect(res.mode).toBe('reencrypted');
    t2 = res.root;
    const hashes1 = ok(['cat', '-H', t1]).split('\n');
    for (const h of ok(['cat', '-H', t2]).split('\n')) expect(hashes1).not.toContain(h);
    const b = hbs2(['cat', '-k', 'B.key', t2]);
    expectError(b, 5);
    expect(b.stdout.length).toBe(0);
    readsExactly('A.key', t2, data);
    // The old roots stay readable to whoever could read them.
    readsExactly('B.key', t1, data);
  });

  it('--keep-secret when removing prints a warning and keeps the id', () => {
    const r = hbs2([
      'groupkey',
      'update',
      '-k',
      'A.key',
      '--remove',
      'B.pubs',
      '--keep-secret',
      'GK1',
      '-o',
      'GK1k',
    ]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr.split('\n').some((l) => /warning/i.test(l))).toBe(true);
    expect(gkInfo('GK1k').id).toBe(gkInfo('GK1').id);
    expect(gkInfo('GK1k').members).toHaveLength(1);
  });

  it('rotate errors: unknown root 6, plain tree 3, new key nobody opens 5', () => {
    const unknown = hbs2([
      'rotate',
      'FMqApxg8fAWSnamHHwHX3hCSXvDFZe1UoqpPmfeCvtu9',
      '-g',
      'GK1',
      '-k',
      'A.key',
    ]);
    expectError(unknown, 6);
    const plain = ok(['store', 'data.bin']);
    expectError(hbs2(['rotate', plain, '-g', 'GK1', '-k', 'A.key']), 3);
    ok(['groupkey-new', 'C.pubs', '-o', 'GKC']);
    const before = countFiles(path.join(dir(), 'store', 'blocks'));
    const nobody = hbs2(['rotate', t0, '-g', 'GKC', '-k', 'A.key']);
    expectError(nobody, 5);
    expect(nobody.stdout.length).toBe(0);
    expect(countFiles(path.join(dir(), 'store', 'blocks'))).toBe(before);
  });
});

describe('an interrupted rotation', () => {
  it('SIGKILL at a random moment: the old root still reads and fsck is clean (or repairs)', async () => {
    const store = 'crash';
    const big = randomBytes(16 * 1024 * 1024);
    fs.writeFileSync(path.join(dir(), 'big.bin'), big);
    const tree = ok(['store', '-g', 'GK1', '-k', 'A.key', 'big.bin'], store);
    const trials = 5;
    let killedRunning = 0;
    for (let i = 0; i < trials; i++) {
      const delay = 20 + Math.floor(Math.random() * 281);
      await new Promise<void>((resolve) => {
        const child = spawn(process.execPath, [BIN, 'rotate', tree, '-g', 'GK2', '-k', 'A.key'], {
          cwd: dir(),
          env: hbs2Env(dir(), path.join(dir(), store)),
          stdio: 'ignore',
        });
        child.on('exit', () => resolve());
        setTimeout(() => {
          if (child.exitCode === null) killedRunning++;
          child.kill('SIGKILL');
        }, delay);
      });
      readsExactly('A.key', tree, big, store);
      const check = hbs2(['fsck', '--json'], store);
      if (check.status !== 0) {
        const report = JSON.parse(check.out) as { problems: Array<{ kind: string }> };
        expect(report.problems.every((p) => p.kind === 'stale-temp')).toBe(true);
        const repair = hbs2(['fsck', '--repair'], store);
        expect(repair.status, repair.stderr).toBe(0);
        expect(hbs2(['fsck'], store).status).toBe(0);
      }
    }
    console.log(
      `interrupted rotation: ${trials} kill trials, ${killedRunning} killed while running`,
    );
    expect(killedRunning).toBeGreaterThan(0);
  }, 60_000);
});
