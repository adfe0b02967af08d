/**
 * What the store reveals and who can read it: markers from file contents, ref names and
 * commit messages appear in no block; an outsider's clone fails (exit 5); readers added
 * later read the whole history; removed readers cannot read later pushes; a flipped byte
 * in a pack block is an integrity error naming it and leaves local refs alone; a push
 * killed with SIGKILL leaves the remote as it was and can be repeated.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseBase58Key } from '../../src/acb/key.js';
import { encodeBase58 } from '../../src/codec/base58.js';
import { openRepoView } from '../../src/git/index.js';
import { readKeyringFile } from '../../src/keyring/load.js';
import { SimpleRefStore } from '../../src/refs/simple-ref-store.js';
import { FsBlockStore } from '../../src/store/fs.js';
import { objectDataHashes } from '../../src/tree/object.js';
import { useTempDir } from '../helpers/cli.js';
import { HELPER, makeRepo, makeTeam, refsOf, type Team } from './helpers.js';

const tmp = useTempDir();
let t: Team;

const MARKERS = ['MARKER-CONTENT-7f3a', 'MARKER-BRANCH-91c2', 'MARKER-MESSAGE-5d0e'];

beforeAll(() => {
  t = makeTeam(tmp());
});

function allFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name));
}

/** Clones with `role`'s keyring. */
function cloneAs(role: keyof Team['keys'], dest: string) {
  return t.git('.', ['clone', '-c', `remote.origin.hbs2-keyring=${t.keys[role]}`, t.url, dest]);
}

/** Runs the helper directly (as git would) in `repo` with `stdin`; returns the raw run. */
function helper(repo: string, stdin: string) {
  return spawnSync(process.execPath, [HELPER, 'origin', t.url], {
    cwd: path.join(t.dir, repo),
    env: { ...t.env, GIT_DIR: path.join(t.dir, repo, '.git') },
    input: stdin,
    encoding: 'utf8',
    timeout: 60_000,
  });
}

async function view(role: keyof Team['keys']) {
  const k = await readKeyringFile(t.keys[role]);
  const dir = path.join(t.dir, 'store');
  return openRepoView(
    { blocks: new FsBlockStore(dir), refs: new SimpleRefStore(dir) },
    parseBase58Key(t.url.slice('hbs2tk://'.length), 'repo'),
    { keyrings: [{ keyring: k.keyring }], now: Math.floor(Date.now() / 1000), skew: 300 },
  );
}

describe('encryption and membership', () => {
  it('no marker from contents, ref names or messages appears in any block', () => {
    makeRepo(t, 'src');
    // No zlib compression: without encryption every marker would be in the pack as is.
    t.ok('src', ['config', 'core.compression', '0']);
    t.ok('src', ['config', 'pack.compression', '0']);
    fs.writeFileSync(path.join(t.dir, 'src', 'file.txt'), `${MARKERS[0]}\n`);
    t.ok('src', ['add', '.']);
    t.ok('src', ['commit', '-q', '-m', MARKERS[2]!]);
    t.ok('src', ['branch', MARKERS[1]!]);
    t.ok('src', ['remote', 'add', 'origin', t.url]);
    t.ok('src', ['push', '-q', 'origin', 'main', MARKERS[1]!]);
    const plainPack = spawnSync('git', ['pack-objects', '--revs', '--stdout', '-q'], {
      cwd: path.join(t.dir, 'src'),
      env: t.env,
      input: 'main\n',
    }).stdout;
    expect(plainPack.includes(MARKERS[0]!)).toBe(true); // the test can fail
    const files = allFiles(path.join(t.dir, 'store'));
    expect(files.length).toBeGreaterThan(5);
    for (const f of files) {
      const bytes = fs.readFileSync(f);
      for (const m of MARKERS) expect(bytes.includes(m), `${m} in ${f}`).toBe(false);
    }
  });

  it("an outsider's clone fails with exit 5 and a clear message", () => {
    const r = cloneAs('outsider', 'outsider-1');
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain(
      'hbs2: error: none of the given keys is a reader of this repository',
    );
    makeRepo(t, 'probe');
    t.ok('probe', ['config', 'remote.origin.hbs2-keyring', t.keys.outsider]);
    const h = helper('probe', 'list\n\n');
    expect(h.status).toBe(5);
    expect(h.stdout).toBe('');
    expect(h.stderr.split('\n').filter((l) => l.startsWith('hbs2: error:'))).toHaveLength(1);
  });

  it('readers remove: the removed reader cannot read later pushes', () => {
    expect(cloneAs('reader', 'reader-1').status).toBe(0);
    t.hbs2(['git', 'readers', 'remove', '-k', t.keys.owner, t.url, t.enc.reader]);
    fs.writeFileSync(path.join(t.dir, 'src', 'later.txt'), 'later\n');
    t.ok('src', ['add', '.']);
    t.ok('src', ['commit', '-q', '-m', 'after removal']);
    t.ok('src', ['push', '-q', 'origin', 'main']);
    const r = t.git('reader-1', ['fetch', 'origin']);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('none of the given keys is a reader');
    expect(cloneAs('reader', 'reader-2').status).not.toBe(0);
    // The help says plainly what removal cannot do.
    expect(t.hbs2(['git', 'readers', 'remove', '--help'])).toContain(
      'What was already published stays readable',
    );
  });

  it('readers add: the new reader clones the whole history (earlier secrets re-wrapped)', () => {
    t.hbs2(['git', 'readers', 'add', '-k', t.keys.owner, t.url, t.enc.outsider]);
    const r = cloneAs('outsider', 'outsider-2');
    expect(r.status, r.stderr).toBe(0);
    for (const b of ['main', MARKERS[1]!])
      expect(t.ok('outsider-2', ['rev-parse', `origin/${b}`])).toBe(t.ok('src', ['rev-parse', b]));
    t.ok('outsider-2', ['fsck', '--no-progress']);
    expect(fs.readFileSync(path.join(t.dir, 'outsider-2', 'file.txt'), 'utf8')).toBe(
      `${MARKERS[0]}\n`,
    );
  });

  it('a flipped byte in a pack block: integrity error naming the block, local refs untouched', async () => {
    t.ok('.', ['clone', '-q', t.url, 'victim']);
    fs.writeFileSync(path.join(t.dir, 'src', 'more.txt'), 'more\n');
    t.ok('src', ['add', '.']);
    t.ok('src', ['commit', '-q', '-m', 'more']);
    t.ok('src', ['push', '-q', 'origin', 'main']);
    const v = await view('owner');
    const pack = v.tip!.tx.pack!;
    const blocks: Uint8Array[] = [];
    for await (const h of objectDataHashes(new FsBlockStore(path.join(t.dir, 'store')), pack))
      blocks.push(h);
    const name = encodeBase58(blocks[0]!);
    const file = path.join(t.dir, 'store', 'blocks', name[0]!, name.slice(1));
    const bytes = fs.readFileSync(file);
    bytes[bytes.length >> 1] = bytes[bytes.length >> 1]! ^ 0x01;
    fs.writeFileSync(file, bytes);
    const before = refsOf(t, 'victim');
    const r = t.git('victim', ['fetch', 'origin']);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(new RegExp(`hbs2: error: .*${name}`));
    expect(refsOf(t, 'victim')).toBe(before);
    const h = helper(
      'victim',
      `fetch ${v.tipRefs.refs.get('refs/heads/main')} refs/heads/main\n\n`,
    );
    expect(h.status).toBe(4);
    bytes[bytes.length >> 1] = bytes[bytes.length >> 1]! ^ 0x01;
    fs.writeFileSync(file, bytes);
  });

  it('SIGKILL during a push leaves the remote as it was; the push can be repeated', async () => {
    const big = Buffer.alloc(8 * 1024 * 1024);
    for (let i = 0; i < big.length; i += 4) big.writeUInt32LE((Math.random() * 2 ** 32) >>> 0, i);
    fs.writeFileSync(path.join(t.dir, 'src', 'big.bin'), big);
    t.ok('src', ['add', '.']);
    t.ok('src', ['commit', '-q', '-m', 'big']);
    const remoteBefore = t.ok('src', ['ls-remote', 'origin']);
    const blocksDir = path.join(t.dir, 'store', 'blocks');
    const count = () => allFiles(blocksDir).length;
    const base = count();
    const child = spawn(process.execPath, [HELPER, 'origin', t.url], {
      cwd: path.join(t.dir, 'src'),
      env: { ...t.env, GIT_DIR: path.join(t.dir, 'src', '.git') },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.on('exit', (_c, s) => resolve(s)),
    );
    child.stdin.write('push refs/heads/main:refs/heads/main\n\n');
    // Kill as soon as the pack's first blocks are stored, long before the head can move.
    while (count() < base + 3 && child.exitCode === null)
      await new Promise((r) => setTimeout(r, 2));
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    expect(t.ok('src', ['ls-remote', 'origin'])).toBe(remoteBefore);
    const r = t.git('src', ['push', 'origin', 'main']);
    expect(r.status, r.stderr).toBe(0);
    expect(t.ok('src', ['ls-remote', 'origin', 'refs/heads/main']).split('\t')[0]).toBe(
      t.ok('src', ['rev-parse', 'main']),
    );
  });
});
