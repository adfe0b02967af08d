/**
 * `hbs2 store push` / `pull` between local stores and the real RGW: the hbs2-written
 * stores of test/vectors/hbs2-written round-trip block for block, a re-run copies
 * nothing, a pin's closure alone can be pulled, and a store pushed up is read as it is
 * by `cat` on S3. Build first: `npx tsc -p tsconfig.build.json`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expect, it } from 'vitest';
import { runCli, useTempDir, type CliBytesRun } from '../helpers/cli.js';
import { STORE_NAMES, vectorPath, vectorTrees } from '../helpers/hbs2-written.js';
import { snapshotDir } from '../helpers/hostile.js';
import { describeS3, s3Env, useBucket } from './helpers.js';

const dir = useTempDir();
const bucket = useBucket('push');

function hbs2(args: string[]): CliBytesRun {
  return runCli(dir(), args, { bytes: true, env: { ...s3Env(), HBS2_STORE: '' } });
}

function okJson(args: string[]): Record<string, unknown> {
  const r = hbs2([...args, '--json']);
  expect(r.status, `hbs2 ${args.join(' ')}: ${r.stderr}`).toBe(0);
  return JSON.parse(r.out) as Record<string, unknown>;
}

/** Every file under `blocks/` of a store with its content hash (relative names). */
const blocksOf = (store: string): Map<string, string> => snapshotDir(path.join(store, 'blocks'));

describeS3('store push / pull', () => {
  it.each(STORE_NAMES)('the hbs2-written %s round-trips through S3 block for block', (name) => {
    const original = vectorPath(name);
    const local = path.join(dir(), `${name}-copy`);
    fs.cpSync(original, local, { recursive: true });
    const remote = `s3://${bucket()}/${name}`;
    const blockCount = blocksOf(original).size;

    const pushed = okJson(['store', 'push', '-p', local, remote]);
    expect(pushed).toMatchObject({ seen: blockCount, copied: blockCount });
    // Resumable: a second push finds everything there.
    expect(okJson(['store', 'push', '-p', local, remote])).toMatchObject({ copied: 0 });

    const back = path.join(dir(), `${name}-back`);
    fs.mkdirSync(path.join(back, 'blocks'), { recursive: true });
    expect(okJson(['store', 'pull', '-p', back, remote])).toMatchObject({ copied: blockCount });
    expect(blocksOf(back)).toEqual(blocksOf(original));

    // The pushed store is used on S3 as it is: its plain trees cat to the data files.
    for (const t of vectorTrees().filter((v) => v.store === name && v.method === 'none')) {
      const r = hbs2(['cat', '-p', remote, t.root]);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout.equals(fs.readFileSync(vectorPath('data', t.dataFile)))).toBe(true);
    }
  });

  it('pulls one pin and its closure only, with the pin', () => {
    const local = path.join(dir(), 'pinned');
    fs.mkdirSync(path.join(local, 'blocks'), { recursive: true });
    fs.writeFileSync(path.join(dir(), 'a.bin'), Buffer.alloc(700_000, 7));
    fs.writeFileSync(path.join(dir(), 'b.bin'), Buffer.alloc(500_000, 9));
    const remote = `s3://${bucket()}/pins`;
    const store = (f: string) => {
      const r = hbs2(['store', '-p', remote, f]);
      expect(r.status, r.stderr).toBe(0);
      return r.out.trim();
    };
    const a = store('a.bin');
    const b = store('b.bin');
    const pulled = okJson(['store', 'pull', '-p', local, '--pin', 'a.bin', remote]);
    expect(pulled).toMatchObject({ refsCopied: 1 });
    const cat = (root: string) => hbs2(['cat', '-p', local, root]);
    expect(cat(a).stdout.equals(fs.readFileSync(path.join(dir(), 'a.bin')))).toBe(true);
    expect(cat(b).status).toBe(6);
    const pins = hbs2(['pin', 'ls', '-p', local]);
    expect(pins.out).toContain('a.bin');
    expect(pins.out).not.toContain('b.bin');
  });

  it('local to local works the same way', () => {
    const from = path.join(dir(), 'store-plain-copy');
    const to = path.join(dir(), 'local-to-local');
    fs.mkdirSync(path.join(to, 'blocks'), { recursive: true });
    okJson(['store', 'push', '-p', from, to]);
    expect(blocksOf(to)).toEqual(blocksOf(vectorPath('store-plain')));
  });
});
