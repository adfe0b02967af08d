/**
 * Issue 13 §3 "never replace what is not ours" (bullets 2–5): each test replays an attack
 * or repro against the built CLI (`npx tsc -p tsconfig.build.json` first) and checks that
 * it now fails safely or gives the right result.
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { FsBlockStore } from '../../src/store/fs.js';
import { hashBlock, hashToString, parseHash } from '../../src/store/hash.js';
import { cliIn, expectOneError, useTempDir } from '../helpers/cli.js';
import { BIN, hbs2Env, runHbs2, snapshotDir } from '../helpers/hostile.js';

const dir = useTempDir();
const file = (name: string): string => path.join(dir(), name);

const cli = cliIn(dir);
/** Every store here is in the simple layout (`blocks/` decides): tests plant block files. */
const simple = (store = 'store') => {
  fs.mkdirSync(path.join(dir(), store, 'blocks'), { recursive: true });
  return store;
};
const hbs2 = (args: readonly string[], store?: string) => cli.run(args, simple(store));
const ok = (args: readonly string[], store?: string) => cli.ok(args, simple(store));

const modeOf = (p: string): number => fs.statSync(p).mode & 0o777;
const blockFile = (store: string, hash: string): string =>
  path.join(dir(), store, 'blocks', hash[0]!, hash.slice(1));
const tempFilesIn = (d: string): string[] =>
  fs.readdirSync(d).filter((n) => n.startsWith('.hbs2-tmp-'));

/** The group key tree a `store -g` annotation refers to (from `deps --json`). */
function groupKeyTree(root: string, store = 'store'): string {
  const deps = JSON.parse(ok(['deps', '--json', root], store)) as { hash: string; role: string }[];
  return deps.find((d) => d.role === 'group-key')!.hash;
}

const SECRET_TEXT = 'salaries: alice 1, bob 2\n';
let encRoot: string;
/** A plain tree of several MiB, for the kill and pipe tests. */
let bigRoot: string;

beforeAll(() => {
  ok(['keyring', 'new', '-o', 'alice.key']);
  fs.writeFileSync(file('team'), ok(['keyring', 'pubs', 'alice.key']) + '\n');
  ok(['groupkey-new', 'team', '-o', 'team.gk']);
  fs.writeFileSync(file('salaries.txt'), SECRET_TEXT);
  encRoot = ok(['store', '-g', 'team.gk', '-k', 'alice.key', 'salaries.txt']);
  fs.writeFileSync(file('big.bin'), randomBytes(24 * 1024 * 1024));
  bigRoot = ok(['store', 'big.bin']);
}, 120_000);

describe('-o never replaces what is not a regular file', () => {
  // A replica of /dev/stdout (a symlink to /proc/self/fd/1) inside the temp dir: the old
  // code replaced the real /dev/stdout with a regular file when run as root.
  const GROUP_KEY_TEXT = /^# hbs2 symmetric group key file/;
  const outputCommands: Array<[string, (out: string) => string[], RegExp]> = [
    ['groupkey-new', (o) => ['groupkey-new', 'team', '-o', o], GROUP_KEY_TEXT],
    ['groupkey merge', (o) => ['groupkey', 'merge', 'team.gk', 'team.gk', '-o', o], GROUP_KEY_TEXT],
    [
      'groupkey update',
      (o) => ['groupkey', 'update', 'team.gk', '-k', 'alice.key', '--rekey', '-o', o],
      GROUP_KEY_TEXT,
    ],
    ['cat', (o) => ['cat', '-k', 'alice.key', encRoot, '-o', o], /^salaries: /],
  ];
  for (const [name, args, expected] of outputCommands)
    it(`${name} -o through a /dev/stdout-like link writes to stdout and keeps the link`, () => {
      const link = file(`stdout-link-${name.replace(' ', '-')}`);
      fs.symlinkSync('/proc/self/fd/1', link);
      const r = hbs2(args(link));
      expect(r.status, r.stderr).toBe(0);
      expect(r.out).toMatch(expected);
      expect(fs.lstatSync(link).isSymbolicLink()).toBe(true);
      expect(fs.readlinkSync(link)).toBe('/proc/self/fd/1');
      expect(tempFilesIn(dir())).toEqual([]);
    });

  it('-o /dev/fd/1 writes into the descriptor', () => {
    const r = hbs2(['groupkey-new', 'team', '-o', '/dev/fd/1']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.out).toMatch(/^# hbs2 symmetric group key file/);
  });

  it('cat -o into a FIFO writes the plaintext through and leaves the FIFO a FIFO', async () => {
    const fifo = file('out.fifo');
    fs.rmSync(fifo, { force: true });
    spawnSyncOk('mkfifo', [fifo]);
    const received = fs.promises.readFile(fifo);
    const r = await runHbs2(['cat', '-k', 'alice.key', encRoot, '-o', fifo], {
      cwd: dir(),
      env: hbs2Env(dir()),
    });
    expect(r.status, r.stderr).toBe(0);
    expect((await received).toString()).toBe(SECRET_TEXT);
    expect(fs.lstatSync(fifo).isFIFO()).toBe(true);
    expect(modeOf(fifo)).toBe(0o644 & ~process.umask());
  });

  // Making a device node needs root (CAP_MKNOD), as in the repro.
  const canMknod = process.getuid?.() === 0;
  it.skipIf(!canMknod)('cat -o onto a device node writes into it; it stays a device', () => {
    const dev = file('devnode');
    fs.rmSync(dev, { force: true });
    spawnSyncOk('mknod', ['-m', '0620', dev, 'c', '1', '3']); // /dev/null's numbers
    const before = fs.statSync(dev);
    const r = hbs2(['cat', '-k', 'alice.key', encRoot, '-o', dev]);
    expect(r.status, r.stderr).toBe(0);
    const after = fs.lstatSync(dev);
    expect(after.isCharacterDevice()).toBe(true);
    expect(after.rdev).toBe(before.rdev);
    expect(after.ino).toBe(before.ino);
    expect(modeOf(dev)).toBe(0o620);
  });

  it('a directory as -o fails with exit 2 and is left alone', () => {
    const d = file('outdir');
    fs.mkdirSync(d, { recursive: true });
    fs.writeFileSync(path.join(d, 'keep.txt'), 'x');
    const before = snapshotDir(d);
    const r = hbs2(['cat', bigRoot, '-o', d]);
    expectOneError(r, 2, { text: 'is a directory', emptyStdout: true });
    expect(snapshotDir(d)).toEqual(before);
    expect(tempFilesIn(dir())).toEqual([]);
  });
});

describe('-o onto regular files keeps modes and links', () => {
  it('an existing 0600 file stays 0600 (and 0640 stays 0640)', () => {
    for (const mode of [0o600, 0o640]) {
      const f = file(`gk-${mode.toString(8)}`);
      fs.writeFileSync(f, 'old');
      fs.chmodSync(f, mode);
      ok(['groupkey-new', 'team', '-o', f]);
      expect(modeOf(f)).toBe(mode);
      expect(fs.readFileSync(f, 'utf8')).toMatch(/^# hbs2 symmetric group key file/);
    }
  });

  it.skipIf(process.getuid?.() !== 0)('as root, a replaced file keeps its owner', () => {
    const f = file('owned.gk');
    fs.writeFileSync(f, 'old');
    fs.chownSync(f, 1234, 2345);
    ok(['groupkey-new', 'team', '-o', f]);
    const st = fs.statSync(f);
    expect([st.uid, st.gid]).toEqual([1234, 2345]);
  });

  it('decrypted plaintext is created 0600; plain content gets the usual mode', () => {
    const secret = file('plain-secret.txt');
    const pub = file('plain-public.bin');
    fs.rmSync(secret, { force: true });
    fs.rmSync(pub, { force: true });
    ok(['cat', '-k', 'alice.key', encRoot, '-o', secret]);
    expect(fs.readFileSync(secret, 'utf8')).toBe(SECRET_TEXT);
    expect(modeOf(secret)).toBe(0o600);
    ok(['cat', bigRoot, '-o', pub]);
    expect(modeOf(pub)).toBe(0o644 & ~process.umask());
  });

  it('a symlink to a regular file: the file is replaced, the link stays a link', () => {
    const { target, link } = linkedFile('real.gk', 'link.gk', 'old', 0o600);
    ok(['groupkey-new', 'team', '-o', link]);
    expect(fs.lstatSync(link).isSymbolicLink()).toBe(true);
    expect(fs.readFileSync(target, 'utf8')).toMatch(/^# hbs2 symmetric group key file/);
    expect(modeOf(target)).toBe(0o600);
  });

  it('keyring new without --force refuses an existing name, even through a link', () => {
    const { target, link } = linkedFile('existing.key', 'existing-link.key', 'precious', 0o640);
    for (const out of [target, link]) {
      const r = hbs2(['keyring', 'new', '-o', out]);
      expectOneError(r, 2, { emptyStdout: true });
    }
    expect(fs.readFileSync(target, 'utf8')).toBe('precious');
    expect(modeOf(target)).toBe(0o640);
    expect(fs.lstatSync(link).isSymbolicLink()).toBe(true);
  });

  it('keyring new --force over a 0644 file leaves a 0600 keyring', () => {
    const f = file('world.key');
    fs.writeFileSync(f, 'old');
    fs.chmodSync(f, 0o644);
    ok(['keyring', 'new', '--force', '-o', f]);
    expect(modeOf(f)).toBe(0o600);
  });
});

describe('a killed cat -o leaves no temp file', () => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`${signal} while the temp file is being written removes it`, async () => {
      const outDir = file(`kill-${signal}`);
      fs.mkdirSync(outDir);
      const { tempMode, result } = await killWhenTempAppears(
        ['cat', bigRoot, '-o', path.join(outDir, 'out.bin')],
        outDir,
        signal,
      );
      expect(tempMode).toBe(0o600);
      expect(result.signal).toBe(signal);
      expect(fs.readdirSync(outDir)).toEqual([]);
    });
  }
});

describe('a block present by size only is not trusted', () => {
  it('a planted same-size file under a data block name is replaced by store', () => {
    const content = randomBytes(300_000); // two data blocks
    fs.writeFileSync(file('victim.bin'), content);
    const root = ok(['store', 'victim.bin'], 'clean');
    const dataBlock = ok(['cat', '-H', root], 'clean').split('\n')[0]!;
    const planted = blockFile('poisoned', dataBlock);
    fs.mkdirSync(path.dirname(planted), { recursive: true });
    fs.writeFileSync(planted, randomBytes(fs.statSync(blockFile('clean', dataBlock)).size));

    expect(ok(['store', 'victim.bin'], 'poisoned')).toBe(root);
    expect(hashToString(hashBlock(fs.readFileSync(planted)))).toBe(dataBlock);
    const r = hbs2(['cat', root], 'poisoned');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.equals(content)).toBe(true);
    expect(tempFilesIn(path.dirname(planted))).toEqual([]);
  });

  it("one planted file under the group key's tree name no longer poisons store -g", () => {
    // The group key tree's name is predictable: store once elsewhere to learn it.
    const gkTree = groupKeyTree(encRoot);
    const planted = blockFile('gk-poisoned', gkTree);
    fs.mkdirSync(path.dirname(planted), { recursive: true });
    fs.writeFileSync(planted, Buffer.alloc(fs.statSync(blockFile('store', gkTree)).size, 0x41));

    const root = ok(['store', '-g', 'team.gk', '-k', 'alice.key', 'salaries.txt'], 'gk-poisoned');
    const r = hbs2(['cat', '-k', 'alice.key', root], 'gk-poisoned');
    expect(r.status, r.stderr).toBe(0);
    expect(r.out).toBe(SECRET_TEXT);
    expect(ok(['fsck'], 'gk-poisoned')).toMatch(/0 problems/);
  });

  it('FsBlockStore.put replaces a wrong same-size file and keeps a right one', async () => {
    const store = new FsBlockStore(file('lib-store'));
    const block = randomBytes(1000);
    const h = await store.put(block);
    const p = store.blockPath(h);
    const inode = fs.statSync(p).ino;
    await store.put(block);
    expect(fs.statSync(p).ino).toBe(inode); // deduplicated: not rewritten
    fs.writeFileSync(p, randomBytes(1000));
    await store.put(block);
    expect(Buffer.from(fs.readFileSync(p)).equals(block)).toBe(true);
    expect(await store.get(parseHash(hashToString(h)))).not.toBeNull();
  });
});

describe('del -r keeps shared group key trees', () => {
  it('deleting one encrypted tree leaves the other readable and names what it kept', () => {
    const s = 'del-store';
    fs.writeFileSync(file('one.txt'), 'one\n');
    fs.writeFileSync(file('two.txt'), 'two\n');
    const one = ok(['store', '-g', 'team.gk', '-k', 'alice.key', 'one.txt'], s);
    const two = ok(['store', '-g', 'team.gk', '-k', 'alice.key', 'two.txt'], s);
    const gkTree = groupKeyTree(two, s);

    const del = hbs2(['del', '-r', '-y', one], s);
    expect(del.status, del.stderr).toBe(0);
    expect(del.stderr).toContain(`hbs2: kept group key ${gkTree}`);
    expect(del.out).not.toContain(gkTree);
    expect(fs.existsSync(blockFile(s, gkTree))).toBe(true);
    expect(fs.existsSync(blockFile(s, one))).toBe(false);
    expect(ok(['cat', '-k', 'alice.key', two], s)).toBe('two');

    const all = hbs2(['del', '-r', '-y', '--include-groupkeys', two], s);
    expect(all.status, all.stderr).toBe(0);
    expect(all.stderr).not.toContain('kept group key');
    expect(fs.existsSync(blockFile(s, gkTree))).toBe(false);
  });
});

describe('a closed stdout ends the command quietly (exit 0)', () => {
  it('--help into a closed pipe: no stack trace', async () => {
    const r = await runWithClosedStdout(['--help'], 'at-start');
    expect(r).toEqual({ status: 0, signal: null, stderr: '' });
  });

  it('keyring pubs into a closed pipe: no "internal error: write EPIPE"', async () => {
    const r = await runWithClosedStdout(
      ['keyring', 'pubs', 'alice.key', 'alice.key', 'alice.key'],
      'at-start',
    );
    expect(r).toEqual({ status: 0, signal: null, stderr: '' });
  });

  it.skipIf(!fs.existsSync('/dev/full'))(
    'a stdout that fails otherwise (a full disk) is still an error, also for --help',
    () => {
      for (const args of [['--help'], ['keyring', 'pubs', 'alice.key']]) {
        const full = fs.openSync('/dev/full', 'w');
        try {
          const r = spawnSync(process.execPath, [BIN, ...args], {
            cwd: dir(),
            env: hbs2Env(dir()),
            stdio: ['ignore', full, 'pipe'],
          });
          expectOneError({ status: r.status, stdout: '', stderr: r.stderr.toString() }, 7, {
            text: 'standard output: no space left on device',
          });
        } finally {
          fs.closeSync(full);
        }
      }
    },
  );

  it('cat of a big tree stops when the reader goes after the first bytes', async () => {
    const r = await runWithClosedStdout(['cat', bigRoot], 'after-first-data');
    expect(r).toEqual({ status: 0, signal: null, stderr: '' });
  });
});

// ---------------------------------------------------------------------------------------
// helpers

/** A file `name` holding `text` with `mode`, and a symlink `linkName` to it. */
function linkedFile(
  name: string,
  linkName: string,
  text: string,
  mode: number,
): { target: string; link: string } {
  const target = file(name);
  const link = file(linkName);
  fs.writeFileSync(target, text);
  fs.chmodSync(target, mode);
  fs.symlinkSync(name, link);
  return { target, link };
}

/** Runs a system tool (mkfifo, mknod) and throws unless it succeeds. */
function spawnSyncOk(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { stdio: 'ignore' }).status;
  if (r !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r})`);
}

/**
 * Runs the CLI and sends `signal` as soon as a temp file appears in `watchDir` (inotify,
 * not a timer), recording the temp file's mode first.
 */
function killWhenTempAppears(
  args: string[],
  watchDir: string,
  signal: NodeJS.Signals,
): Promise<{
  tempMode: number | undefined;
  result: { status: number | null; signal: string | null };
}> {
  return new Promise((resolve, reject) => {
    let tempMode: number | undefined;
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: dir(),
      env: hbs2Env(dir()),
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const watcher = fs.watch(watchDir, (_event, name) => {
      if (tempMode !== undefined || !name?.startsWith('.hbs2-tmp-')) return;
      try {
        tempMode = fs.statSync(path.join(watchDir, name)).mode & 0o777;
      } catch {
        return; // a rename event of the file leaving; wait for the next one
      }
      child.kill(signal);
    });
    child.on('error', reject);
    child.on('close', (status, sig) => {
      watcher.close();
      resolve({ tempMode, result: { status, signal: sig } });
    });
  });
}

/**
 * Runs the CLI with stdout a pipe whose read end the test closes: at once (before the
 * process writes anything) or after the first bytes arrive.
 */
function runWithClosedStdout(
  args: string[],
  when: 'at-start' | 'after-first-data',
): Promise<{ status: number | null; signal: string | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: dir(),
      env: hbs2Env(dir()),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    if (when === 'at-start') child.stdout.destroy();
    else child.stdout.once('data', () => child.stdout.destroy());
    const err: Buffer[] = [];
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (status, signal) =>
      resolve({ status, signal, stderr: Buffer.concat(err).toString('utf8') }),
    );
  });
}
