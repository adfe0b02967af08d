/**
 * The CLI with its store in a bucket of the real Ceph RADOS gateway (`HBS2_STORE` or
 * `-p s3://…`, connection from the AWS_* variables): store and cat (plain, encrypted,
 * from a second environment with no local store), cat --metadata, rotate, pins, gc, fsck
 * (blocks and key index), lwwref. Build first: `npx tsc -p tsconfig.build.json`.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { hashBlock, hashToString } from '../../src/store/hash.js';
import { S3BlockStore } from '../../src/store/s3/block-store.js';
import { expectOneError, runCli, useTempDir, type CliBytesRun } from '../helpers/cli.js';
import { describeS3, keysUnder, s3Env, testClient, useBucket } from './helpers.js';

const dir = useTempDir();
const bucket = useBucket('cli');
const STORE = () => `s3://${bucket()}/team`;

/** Runs the CLI in `sub` (a directory of its own: config home, no local store). */
function hbs2(args: string[], sub = 'main', env: Record<string, string> = {}): CliBytesRun {
  const cwd = path.join(dir(), sub);
  fs.mkdirSync(cwd, { recursive: true });
  return runCli(cwd, args, { bytes: true, env: { ...s3Env(), HBS2_STORE: STORE(), ...env } });
}

function ok(args: string[], sub = 'main'): string {
  const r = hbs2(args, sub);
  expect(r.status, `hbs2 ${args.join(' ')}: ${r.stderr}`).toBe(0);
  return r.out.trim();
}

const inMain = (name: string) => path.join(dir(), 'main', name);

/** The signing key of test/vectors/hbs2-written-lwwref/seed05.key (its NOTE.md). */
const LWW_REF = '8SFqwqnq4whPhs8icwHA2hQg3hUoN1qrCLK1SBx3WKwe';

let data: Buffer;
let plain: string;
let enc: string;

describeS3('the CLI on an S3 store', () => {
  beforeAll(() => {
    ok(['keyring', 'new', '-o', 'A.key']);
    ok(['keyring', 'new', '-o', 'B.key']);
    fs.writeFileSync(inMain('A.pubs'), ok(['keyring', 'pubs', 'A.key']) + '\n');
    fs.writeFileSync(inMain('B.pubs'), ok(['keyring', 'pubs', 'B.key']) + '\n');
    ok(['groupkey-new', 'A.pubs', '-o', 'GK0']);
    data = randomBytes(1_200_000);
    fs.writeFileSync(inMain('data.bin'), data);
    plain = ok(['store', 'data.bin']);
    enc = ok([
      'store',
      '-g',
      'GK0',
      '-k',
      'A.key',
      '--meta',
      'quarterly report',
      '--name',
      'secret',
      'data.bin',
    ]);
  });

  it('stores plain and encrypted; a fresh environment cats both byte-identically', () => {
    fs.mkdirSync(path.join(dir(), 'fresh'), { recursive: true });
    fs.copyFileSync(inMain('A.key'), path.join(dir(), 'fresh', 'A.key'));
    const p = hbs2(['cat', plain], 'fresh');
    expect(p.status, p.stderr).toBe(0);
    expect(p.stdout.equals(data)).toBe(true);
    const e = hbs2(['cat', '-k', 'A.key', enc], 'fresh');
    expect(e.status, e.stderr).toBe(0);
    expect(e.stdout.equals(data)).toBe(true);
    // Nothing local: no store directory appeared in either environment.
    for (const sub of ['main', 'fresh'])
      expect(fs.existsSync(path.join(dir(), sub, 'store'))).toBe(false);
    // And -p with the URL works as HBS2_STORE does.
    const viaFlag = hbs2(['cat', '-p', STORE(), plain], 'fresh', { HBS2_STORE: '' });
    expect(viaFlag.stdout.equals(data)).toBe(true);
  });

  it('cat --metadata decrypts the metadata of the encrypted tree', () => {
    const desc = ok(['cat', '--metadata', '--json', '-k', 'A.key', enc]);
    expect(desc).toContain('quarterly report');
  });

  it('rotate: B is added, re-annotated tree readable by B, the old one through the key index', () => {
    const r = hbs2(['groupkey', 'update', '-k', 'A.key', '--add', 'B.pubs', 'GK0', '-o', 'GK1']);
    expect(r.status, r.stderr).toBe(0);
    const res = JSON.parse(ok(['rotate', enc, '-g', 'GK1', '-k', 'A.key', '--json'])) as {
      root: string;
      mode: string;
    };
    expect(res.mode).toBe('reannotated');
    for (const root of [res.root, enc]) {
      const c = hbs2(['cat', '-k', 'B.key', root]);
      expect(c.status, c.stderr).toBe(0);
      expect(c.stdout.equals(data)).toBe(true);
    }
  });

  it('pins and gc: unpinned garbage goes, pinned trees stay', async () => {
    const pins = JSON.parse(ok(['pin', 'ls', '--json'])) as { name: string; root: string }[];
    expect(pins.map((p) => p.root)).toEqual(expect.arrayContaining([plain, enc]));
    fs.writeFileSync(inMain('junk.bin'), randomBytes(300_000));
    const junk = ok(['store', '--no-pin', 'junk.bin']);
    // gc keeps blocks written in its last 2 s (S3 times are whole seconds).
    await new Promise((r) => setTimeout(r, 3100));
    const g = JSON.parse(ok(['gc', '--json'])) as { reclaimed: { hashes: string[] } };
    expect(g.reclaimed.hashes).toContain(junk);
    expectOneError(hbs2(['cat', junk]), 6);
    expect(hbs2(['cat', plain]).stdout.equals(data)).toBe(true);
    const e = hbs2(['cat', '-k', 'A.key', enc]);
    expect(e.stdout.equals(data)).toBe(true);
  });

  it('fsck finds a planted object and --repair quarantines it', async () => {
    expect(ok(['fsck'])).toMatch(/0 problems/);
    const client = testClient(bucket());
    const store = new S3BlockStore(client, 'team/');
    const claimed = hashBlock(Buffer.from('what the name promises'));
    await client.send({ method: 'PUT', key: store.keyOf(claimed), body: Buffer.from('other') });
    const r = hbs2(['fsck']);
    expectOneError(r, 4);
    expect(r.out).toContain(`hash-mismatch blocks/`);
    expect(r.out).toContain(hashToString(claimed));
    expect(hbs2(['fsck', '--repair']).status).toBe(0);
    expect(await store.has(claimed)).toBe(false);
    const q = await client.send({
      method: 'GET',
      key: `team/quarantine/${hashToString(claimed)}`,
    });
    expect(Buffer.from(q.body).toString()).toBe('other');
    expect(ok(['fsck'])).toMatch(/0 problems/);
  });

  it('fsck --repair rebuilds a lost or corrupt key index: the rotated tree reads again', async () => {
    const client = testClient(bucket());
    const index = await keysUnder(bucket(), 'team/keyindex/');
    expect(index).toHaveLength(2); // GK0 and GK1 (rotate), one id
    for (const key of index) await client.send({ method: 'DELETE', key });
    await client.send({ method: 'PUT', key: 'team/keyindex/not-an-id/x', body: Buffer.alloc(0) });
    // B opens only GK1: the old tree's GK0 is found through the index, which is broken.
    expect(hbs2(['cat', '-k', 'B.key', enc]).status).not.toBe(0);

    const found = hbs2(['fsck']);
    expectOneError(found, 4);
    expect(found.out).toContain('key index: corrupt key index: keyindex/not-an-id');
    const fixed = hbs2(['fsck', '--repair']);
    expect(fixed.status, fixed.stderr).toBe(0);
    expect(fixed.stderr).toContain(
      'key index: 2 group keys indexed (the corrupt index was moved to quarantine/)',
    );
    expect(await keysUnder(bucket(), 'team/keyindex/')).toEqual(index);
    const c = hbs2(['cat', '-k', 'B.key', enc]);
    expect(c.status, c.stderr).toBe(0);
    expect(c.stdout.equals(data)).toBe(true);
  });

  it('lwwref set and get on S3 with hbs2 key seed05', () => {
    fs.copyFileSync(
      path.resolve(__dirname, '../vectors/hbs2-written-lwwref/seed05.key'),
      inMain('seed05.key'),
    );
    const s = hbs2(['lwwref', 'set', '-k', 'seed05.key', LWW_REF, plain]);
    expect(s.status, s.stderr).toBe(0);
    expect(ok(['lwwref', 'get', LWW_REF])).toContain(plain);
    const s2 = hbs2(['lwwref', 'set', '-k', 'seed05.key', LWW_REF, enc]);
    expect(s2.status, s2.stderr).toBe(0);
    expect(ok(['lwwref', 'get', LWW_REF])).toContain(enc);
  });

  it('wrong credentials: one clean "access denied" error naming the bucket, no secret shown', () => {
    const r = hbs2(['cat', plain], 'main', { AWS_SECRET_ACCESS_KEY: 'not-the-secret' });
    expectOneError(r, 7, { text: `access denied to s3://${bucket()}/team/`, emptyStdout: true });
    expect(r.stderr).not.toContain('not-the-secret');
  });

  it('no credentials: a usage error with a hint', () => {
    const r = hbs2(['cat', plain], 'main', { AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '' });
    expectOneError(r, 2, { text: 'no S3 credentials' });
  });
});
