/**
 * git's t5801 remote-helper scenarios, run against hbs2tk:// with real git: clone
 * (empty and not), pull, push, fetch of new branches, refspecs, deletes, forced pushes,
 * --all, annotated and signed tags, and the messages of a second push. Build first.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTempDir } from '../helpers/cli.js';
import { commit, makeRepo, makeTeam, refsOf, type Team } from './helpers.js';

const tmp = useTempDir();
let t: Team;

beforeAll(() => {
  t = makeTeam(tmp());
});

/** The store's size on disk (files under it), to see that dry runs write nothing. */
function storeFiles(): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }))
      if (e.isDirectory()) walk(path.join(d, e.name));
      else out.push(path.join(d, e.name));
  };
  walk(path.join(t.dir, 'store'));
  return out.sort();
}

describe('t5801 remote-helper scenarios over hbs2tk://', () => {
  it('clones the empty repository (with git’s warning) and lists no refs', () => {
    const r = t.git('.', ['clone', t.url, 'empty']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain('You appear to have cloned an empty repository');
    expect(refsOf(t, 'empty')).toBe('');
  });

  it('pushes, then clones the same refs and content', () => {
    makeRepo(t, 'server', ['one']);
    t.ok('server', ['remote', 'add', 'origin', t.url]);
    const r = t.git('server', ['push', 'origin', 'main']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain('[new branch]      main -> main');
    t.ok('.', ['clone', t.url, 'local']);
    expect(t.ok('local', ['rev-parse', 'HEAD'])).toBe(t.ok('server', ['rev-parse', 'HEAD']));
    expect(fs.readFileSync(path.join(t.dir, 'local', 'one.t'), 'utf8')).toBe('one\n');
    // HEAD is real: the clone checked out main.
    expect(t.ok('local', ['symbolic-ref', 'HEAD'])).toBe('refs/heads/main');
  });

  it('pulls a new commit', () => {
    commit(t, 'server', 'two');
    t.ok('server', ['push', 'origin', 'main']);
    t.ok('local', ['pull', '-q', 'origin', 'main']);
    expect(t.ok('local', ['rev-parse', 'HEAD'])).toBe(t.ok('server', ['rev-parse', 'HEAD']));
  });

  it('pushes from the clone, and a second push shows no [new branch]', () => {
    commit(t, 'local', 'three');
    const r = t.git('local', ['push', 'origin', 'main']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).not.toContain('[new branch]');
    expect(r.stderr).toMatch(/[0-9a-f]+\.\.[0-9a-f]+ +main -> main/);
    t.ok('server', ['pull', '-q', 'origin', 'main']);
    expect(t.ok('server', ['rev-parse', 'HEAD'])).toBe(t.ok('local', ['rev-parse', 'HEAD']));
  });

  it('fetches a new branch, and several branches at once', () => {
    t.ok('server', ['checkout', '-q', '-b', 'new', 'main']);
    commit(t, 'server', 'four');
    t.ok('server', ['push', 'origin', 'new']);
    t.ok('local', ['fetch', '-q', 'origin', 'new']);
    expect(t.ok('local', ['rev-parse', 'FETCH_HEAD'])).toBe(t.ok('server', ['rev-parse', 'new']));
    t.ok('server', ['branch', 'b1', 'main']);
    t.ok('server', ['branch', 'b2', 'new']);
    t.ok('server', ['push', 'origin', 'b1', 'b2']);
    t.ok('local', ['fetch', '-q', 'origin']);
    expect(refsOf(t, 'local', 'refs/remotes/origin/b*')).toBe(
      refsOf(t, 'server', 'refs/heads/b*').replace(/refs\/heads\//g, 'refs/remotes/origin/'),
    );
  });

  it('rejects a stale push: fetch first, then non-fast forward', () => {
    t.ok('server', ['checkout', '-q', 'main']);
    commit(t, 'server', 'five');
    t.ok('server', ['push', 'origin', 'main']);
    commit(t, 'local', 'six');
    const r = t.git('local', ['push', 'origin', 'main']);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('[rejected]        main -> main (fetch first)');
    t.ok('local', ['fetch', '-q', 'origin']);
    const r2 = t.git('local', ['push', 'origin', 'main']);
    expect(r2.stderr).toContain('[rejected]        main -> main (non-fast-forward)');
  });

  it('a stale --force-with-lease gives stale info; --dry-run writes nothing', () => {
    const before = storeFiles();
    const lease = t.git('local', [
      'push',
      '--force-with-lease=main:' + t.ok('local', ['rev-parse', 'HEAD~1']),
      'origin',
      'main',
    ]);
    expect(lease.stderr).toContain('(stale info)');
    const dry = t.git('local', ['push', '--dry-run', '--force', 'origin', 'main']);
    expect(dry.status, dry.stderr).toBe(0);
    expect(dry.stderr).toContain('(forced update)');
    expect(storeFiles()).toEqual(before);
  });

  it('forced push replaces the branch', () => {
    const r = t.git('local', ['push', '--force', 'origin', 'main']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain('(forced update)');
    t.ok('server', ['fetch', '-q', 'origin']);
    expect(t.ok('server', ['rev-parse', 'origin/main'])).toBe(t.ok('local', ['rev-parse', 'main']));
  });

  it('pushes a new branch by name, with old:new, and with HEAD:new', () => {
    t.ok('local', ['branch', 'by-name']);
    t.ok('local', ['push', 'origin', 'by-name']);
    t.ok('local', ['push', 'origin', 'by-name:renamed']);
    t.ok('local', ['push', 'origin', 'HEAD:from-head']);
    const remote = t.ok('local', ['ls-remote', 'origin']);
    const head = t.ok('local', ['rev-parse', 'HEAD']);
    for (const b of ['by-name', 'renamed', 'from-head'])
      expect(remote).toContain(`${head}\trefs/heads/${b}`);
  });

  it('deletes a branch', () => {
    t.ok('local', ['push', 'origin', ':renamed']);
    expect(t.ok('local', ['ls-remote', 'origin'])).not.toContain('refs/heads/renamed');
  });

  it('pushes --all', () => {
    t.ok('local', ['branch', 'all-1']);
    t.ok('local', ['branch', 'all-2']);
    t.ok('local', ['push', '--all', 'origin']);
    const remote = t.ok('local', ['ls-remote', '--heads', 'origin']);
    for (const b of t
      .ok('local', ['for-each-ref', '--format=%(refname)', 'refs/heads'])
      .split('\n'))
      expect(remote).toContain(b);
  });

  it('pushes annotated and signed tags, and fetches them', () => {
    const gnupg = path.join(t.dir, 'gnupg');
    fs.mkdirSync(gnupg, { mode: 0o700 });
    const gpgEnv = { GNUPGHOME: gnupg };
    const gen = spawnSync(
      'gpg',
      [
        '--batch',
        '--passphrase',
        '',
        '--quick-gen-key',
        'T <t@example.com>',
        'ed25519',
        'sign',
        'never',
      ],
      { env: { ...t.env, ...gpgEnv }, encoding: 'utf8' },
    );
    expect(gen.status, gen.stderr).toBe(0);
    t.ok('local', ['tag', '-a', '-m', 'annotated tag', 'v1']);
    t.ok('local', ['tag', '-s', '-u', 't@example.com', '-m', 'signed tag', 'v1-signed'], gpgEnv);
    const r = t.git('local', ['push', 'origin', 'v1', 'v1-signed']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain('[new tag]         v1 -> v1');
    t.ok('server', ['fetch', '-q', '--tags', 'origin']);
    for (const tag of ['v1', 'v1-signed'])
      expect(t.ok('server', ['rev-parse', tag])).toBe(t.ok('local', ['rev-parse', tag]));
    expect(t.ok('server', ['cat-file', 'tag', 'v1-signed'])).toContain(
      '-----BEGIN PGP SIGNATURE-----',
    );
    expect(t.git('server', ['verify-tag', 'v1-signed'], gpgEnv).status).toBe(0);
    // A tag is not moved without force.
    t.ok('local', ['tag', '-f', '-a', '-m', 'moved', 'v1', 'HEAD~1']);
    expect(t.git('local', ['push', 'origin', 'v1']).stderr).toContain('(already exists)');
  });

  it('a fresh clone gets every branch and tag', () => {
    t.ok('.', ['clone', '-q', t.url, 'again']);
    expect(refsOf(t, 'again', 'refs/remotes/origin/').split('\n').length).toBeGreaterThan(5);
    expect(refsOf(t, 'again', 'refs/tags/')).toBe(refsOf(t, 'server', 'refs/tags/'));
    t.ok('again', ['fsck', '--no-progress', '--strict']);
  });
});
