/**
 * `hbs2 git readers remove --rewrite-history`: the history is re-published for the new
 * secret by the owner, the old encrypted blocks leave the store, the removed reader cannot
 * clone any of it from this store, and the team keeps working on top. Build first.
 */
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseBase58Key } from '../../src/acb/key.js';
import { openRepoView } from '../../src/git/index.js';
import { readKeyringFile } from '../../src/keyring/load.js';
import { SimpleRefStore } from '../../src/refs/simple-ref-store.js';
import { FsBlockStore } from '../../src/store/fs.js';
import { useTempDir } from '../helpers/cli.js';
import { commit, makeRepo, makeTeam, type Team } from './helpers.js';

const tmp = useTempDir();
let t: Team;

beforeAll(() => {
  t = makeTeam(tmp());
  makeRepo(t, 'w', ['one']);
  t.ok('w', ['remote', 'add', 'origin', t.url]);
  t.ok('w', ['push', '-q', 'origin', 'main']);
  commit(t, 'w', 'two');
  t.ok('w', ['branch', 'side']);
  t.ok('w', ['push', '-q', 'origin', 'main', 'side']);
});

describe('readers remove --rewrite-history', () => {
  it('re-publishes the history for the new secret and removes the old blocks', async () => {
    const dir = path.join(t.dir, 'store');
    const stores = { blocks: new FsBlockStore(dir), refs: new SimpleRefStore(dir) };
    const repoKey = parseBase58Key(t.url.slice('hbs2tk://'.length), 'repo');
    const owner = await readKeyringFile(t.keys.owner);
    const viewOpts = {
      keyrings: [{ keyring: owner.keyring }],
      now: Math.floor(Date.now() / 1000),
      skew: 300,
    };
    const before = await openRepoView(stores, repoKey, viewOpts);
    expect(before.chain.chain).toHaveLength(2);

    const out = t.hbs2([
      'git',
      'readers',
      'remove',
      '--rewrite-history',
      '-k',
      t.keys.owner,
      t.url,
      t.enc.reader,
    ]);
    expect(out).toMatch(/^history rewritten as \S+: 2 transactions deleted, \d+ blocks removed$/);

    const after = await openRepoView(stores, repoKey, viewOpts);
    expect(after.chain.chain).toHaveLength(1);
    expect(after.tipRefs.refs).toEqual(before.tipRefs.refs);
    expect(after.tip!.tx.groupKey).toEqual(after.record.groupKey);
    // Nothing of the old refs records and packs is left in the store.
    for (const old of before.chain.chain)
      for (const tree of [old.tx.refs, old.tx.pack!])
        expect(await stores.blocks.has(tree)).toBe(false);

    const r = t.git('.', [
      'clone',
      '-c',
      `remote.origin.hbs2-keyring=${t.keys.reader}`,
      t.url,
      'reader',
    ]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('none of the given keys is a reader');

    t.ok('.', ['clone', '-q', t.url, 'owner-clone']);
    expect(t.ok('owner-clone', ['log', '--format=%s', 'origin/side'])).toBe('two\none');
    // The team goes on: the writer pushes on top of the rewritten history.
    t.ok('.', [
      'clone',
      '-q',
      '-c',
      `remote.origin.hbs2-keyring=${t.keys.writer}`,
      t.url,
      'writer',
    ]);
    commit(t, 'writer', 'three');
    t.ok('writer', ['push', '-q', 'origin', 'main']);
    t.ok('owner-clone', ['pull', '-q', 'origin', 'main']);
    expect(t.ok('owner-clone', ['log', '--format=%s'])).toBe('three\ntwo\none');
  });
});
