/**
 * Rejections and races through the library with real git repositories and a real store:
 * two writers on one parent, syncing stores by file copy, time-range edges, a
 * future-dated push, deletion, the checkpoint, and a rolled-back owner head.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { keyOf } from '../../src/acb/model.js';
import { NoMatchingKeyError } from '../../src/errors.js';
import {
  acbWithWriterEnded,
  openRepoView,
  pushRefs,
  recordWithDeleted,
  updateRecord,
  type GitStores,
  type PushOptions,
} from '../../src/git/index.js';
import { readKeyringFile } from '../../src/keyring/load.js';
import { SimpleRefStore } from '../../src/refs/simple-ref-store.js';
import { FsBlockStore } from '../../src/store/fs.js';
import { parseBase58Key } from '../../src/acb/key.js';
import type { KeyringSource } from '../../src/groupkey/open.js';
import { useTempDir } from '../helpers/cli.js';
import { commit, makeRepo, makeTeam, type Team } from './helpers.js';

const tmp = useTempDir();
let t: Team;
let repoKey: Uint8Array;
const keyrings: Record<string, KeyringSource> = {};

beforeAll(async () => {
  t = makeTeam(tmp());
  repoKey = parseBase58Key(t.url.slice('hbs2tk://'.length), 'repo');
  for (const role of ['owner', 'writer', 'reader', 'outsider'] as const) {
    const k = await readKeyringFile(t.keys[role]);
    keyrings[role] = { path: k.path, keyring: k.keyring };
  }
});

function stores(name = 'store'): GitStores {
  const dir = path.join(t.dir, name);
  return { blocks: new FsBlockStore(dir), refs: new SimpleRefStore(dir) };
}

const signer = (role: string) => ({
  publicKey: keyrings[role]!.keyring.signPublicKey,
  secretKey: keyrings[role]!.keyring.signSecretKey,
});

/** Pushes `main` of local repo `repo` as `role` at `now`. */
function push(
  role: string,
  repo: string,
  now: number,
  extra: Partial<PushOptions> = {},
  store = 'store',
) {
  return pushRefs(stores(store), repoKey, {
    keyrings: [keyrings[role]!],
    now,
    skew: 300,
    signer: signer(role),
    git: { cwd: path.join(t.dir, repo), env: t.env },
    updates: [{ src: 'refs/heads/main', dst: 'refs/heads/main', force: false }],
    ...extra,
  });
}

const view = (now: number, store = 'store') =>
  openRepoView(stores(store), repoKey, { keyrings: [keyrings.reader!], now, skew: 300 });
const tipMain = async (now: number, store = 'store') =>
  (await view(now, store)).tipRefs.refs.get('refs/heads/main');
const head = (repo: string) => t.ok(repo, ['rev-parse', 'main']);
const ownerOf = () => signer('owner');

/** Copies each file of store `from` that `to` lacks or has older (a plain file sync). */
function syncStore(from: string, to: string): void {
  const walk = (rel: string) => {
    for (const e of fs.readdirSync(path.join(t.dir, from, rel), { withFileTypes: true })) {
      const r = path.join(rel, e.name);
      const src = path.join(t.dir, from, r);
      const dst = path.join(t.dir, to, r);
      if (e.isDirectory()) {
        fs.mkdirSync(dst, { recursive: true });
        walk(r);
      } else if (!fs.existsSync(dst) || fs.statSync(src).mtimeMs > fs.statSync(dst).mtimeMs)
        fs.cpSync(src, dst, { preserveTimestamps: true });
    }
  };
  walk('.');
}

describe('races and rejections', () => {
  const T0 = Math.floor(Date.now() / 1000);

  it('two writers on one parent: exactly one is canonical, the other is told fetch first', async () => {
    makeRepo(t, 'base', ['base']);
    expect((await push('owner', 'base', T0)).outcomes).toEqual([
      { dst: 'refs/heads/main', ok: true },
    ]);
    for (const r of ['ra', 'rb']) {
      t.ok('.', ['clone', '-q', 'base', r]);
      commit(t, r, r);
    }
    const [a, b] = await Promise.all([push('owner', 'ra', T0 + 10), push('writer', 'rb', T0 + 10)]);
    const oks = [a, b].filter((p) => p.outcomes[0]!.ok);
    expect(oks).toHaveLength(1);
    const loser = oks[0] === a ? b : a;
    expect(loser.outcomes[0]).toEqual({ dst: 'refs/heads/main', ok: false, reason: 'fetch first' });
    expect(await tipMain(T0 + 20)).toBe(head(oks[0] === a ? 'ra' : 'rb'));
  });

  it('stores synced by file copy: the older push on a parent wins everywhere', async () => {
    const tip = await tipMain(T0 + 20);
    fs.cpSync(path.join(t.dir, 'store'), path.join(t.dir, 'copy'), { recursive: true });
    for (const r of ['sa', 'sb']) {
      t.ok('.', ['clone', '-q', 'base', r]);
      t.ok(r, ['fetch', '-q', path.join(t.dir, 'ra'), 'main']);
      t.ok(r, ['fetch', '-q', path.join(t.dir, 'rb'), 'main']);
      t.ok(r, ['reset', '-q', '--hard', tip!]);
      commit(t, r, r);
    }
    // Each side sees only its own push: both succeed locally.
    expect((await push('owner', 'sa', T0 + 40)).outcomes[0]!.ok).toBe(true);
    expect((await push('writer', 'sb', T0 + 30, {}, 'copy')).outcomes[0]!.ok).toBe(true);
    syncStore('copy', 'store');
    syncStore('store', 'copy');
    // The writer's push is older: it wins in both stores; the owner's is lost.
    for (const s of ['store', 'copy']) expect(await tipMain(T0 + 50, s)).toBe(head('sb'));
    const v = await view(T0 + 50);
    const lost = [...v.chain.verdicts.values()].filter((x) => x.kind === 'lost');
    // Only this one: the earlier race's loser was refused before its head moved.
    expect(lost).toHaveLength(1);
  });

  it('time-range edges: a writer ended at T may push at T-1, not at T', async () => {
    const T = T0 + 100;
    await updateRecord(stores(), ownerOf(), (r) => ({
      ...r,
      acb: acbWithWriterEnded(r.acb, signer('writer').publicKey, T),
    }));
    t.ok('sb', ['commit', '-q', '--allow-empty', '-m', 'edge-1']);
    expect((await push('writer', 'sb', T - 1)).outcomes[0]!.ok).toBe(true);
    t.ok('sb', ['commit', '-q', '--allow-empty', '-m', 'edge-2']);
    await expect(push('writer', 'sb', T)).rejects.toBeInstanceOf(NoMatchingKeyError);
    // The earlier pushes of the ended writer stay canonical.
    expect(await tipMain(T + 10)).toBe(t.ok('sb', ['rev-parse', 'main~1']));
  });

  it('a future-dated push is not canonical until its time comes (within the skew)', async () => {
    t.ok('.', ['clone', '-q', 'sb', 'fut']);
    t.ok('fut', ['reset', '-q', '--hard', (await tipMain(T0 + 200))!]);
    commit(t, 'fut', 'future');
    const before = await tipMain(T0 + 200);
    expect((await push('owner', 'fut', T0 + 5000)).outcomes[0]!.ok).toBe(true);
    const v = await view(T0 + 200);
    expect(v.tipRefs.refs.get('refs/heads/main')).toBe(before);
    const future = v.txs.find((x) => x.tx.time === T0 + 5000)!;
    expect(v.chain.verdicts.get(keyOf(future.hash))).toMatchObject({
      kind: 'invalid',
      reason: expect.stringMatching(/future/),
    });
    expect(await tipMain(T0 + 5000)).toBe(head('fut'));
  });

  it('deleting a transaction rolls back its descendants; a checkpoint blocks reorganisation', async () => {
    const v = await view(T0 + 5000);
    const chain = v.chain.chain;
    const victim = chain[chain.length - 2]!;
    await updateRecord(stores(), ownerOf(), (r) => recordWithDeleted(r, victim.hash));
    const after = await view(T0 + 5000);
    expect(after.chain.chain.map((x) => keyOf(x.hash))).toEqual(
      chain.slice(0, -2).map((x) => keyOf(x.hash)),
    );
    // Undo by checkpointing the old tip: the deletion no longer reorganises what it fixes.
    await updateRecord(stores(), ownerOf(), (r) => ({ ...r, checkpoint: chain.at(-1)!.hash }));
    const fixed = await view(T0 + 5000);
    expect(fixed.chain.chain.map((x) => keyOf(x.hash))).toEqual(chain.map((x) => keyOf(x.hash)));
  });

  it('an owner head rolled back is refused by the helper', async () => {
    t.ok('.', ['clone', '-q', t.url, 'rb-client']);
    const refsDir = path.join(t.dir, 'store', 'refs');
    const saved = path.join(t.dir, 'refs-saved');
    fs.cpSync(refsDir, saved, { recursive: true });
    await updateRecord(stores(), ownerOf(), (r) => ({ ...r, checkpoint: null }));
    t.ok('rb-client', ['fetch', '-q', 'origin']);
    fs.rmSync(refsDir, { recursive: true });
    fs.cpSync(saved, refsDir, { recursive: true });
    const r = t.git('rb-client', ['fetch', 'origin']);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(
      /hbs2: error: repository \S+: the owner head went back from seq \d+ to \d+/,
    );
  });
});
