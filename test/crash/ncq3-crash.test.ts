/**
 * SIGKILL trials on NCQ3 stores (issue 14): `store` of a 24 MiB file killed at a random
 * moment of its life, then: the store opens, a torn tail is recovered (the reader cuts it
 * where hbs2 would; the next writer indexes what is durable), every root printed before the
 * kill — in earlier runs or by the killed run itself — reads back exactly, and no section
 * with a wrong hash is returned (every block section is verified). Also `store migrate`
 * killed at random moments: running it again finishes the migration with every block. And
 * `store compact` (rewriting files with deleted blocks, merging small files) killed at random
 * moments: every pinned root still reads, and compacting again leaves one data file.
 *
 * Trial counts: HBS2_CRASH_STORE_TRIALS (default 8), HBS2_CRASH_MIGRATE_TRIALS (default 4),
 * HBS2_CRASH_COMPACT_TRIALS (default 4).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { checkNcqStore } from '../../src/store/ncq3/fsck.js';
import { NcqBlockStore } from '../../src/store/ncq3/store.js';
import { parseHash } from '../../src/store/hash.js';
import { readObject } from '../../src/tree/index.js';
import {
  hbs2Env,
  killAtRandom,
  killAtRandomAfterTiming,
  runHbs2,
  storeSamples,
} from '../helpers/hostile.js';

const STORE_TRIALS = Number(process.env.HBS2_CRASH_STORE_TRIALS ?? 8);
const MIGRATE_TRIALS = Number(process.env.HBS2_CRASH_MIGRATE_TRIALS ?? 4);
const COMPACT_TRIALS = Number(process.env.HBS2_CRASH_COMPACT_TRIALS ?? 4);
const STORE_SIZE = 24 * 1024 * 1024;

let dir: string;
const tally = {
  store: { killed: 0, completed: 0, tornTails: 0 },
  migrate: { killed: 0 },
  compact: { killed: 0 },
};
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hbs2-ncq3-crash-'));
});
afterAll(() => {
  console.log(
    `NCQ3 crash trials: store ${STORE_TRIALS} (killed ${tally.store.killed}, completed ` +
      `${tally.store.completed}, torn tails seen ${tally.store.tornTails}); migrate ` +
      `${MIGRATE_TRIALS} (killed ${tally.migrate.killed}); compact ${COMPACT_TRIALS} ` +
      `(killed ${tally.compact.killed})`,
  );
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** Reads `root` from the store at `prefix` with the library (every block verified). */
async function readRoot(prefix: string, root: string): Promise<Buffer> {
  const store = await NcqBlockStore.open(prefix);
  try {
    const chunks: Uint8Array[] = [];
    for await (const c of readObject(store, parseHash(root))) chunks.push(c);
    return Buffer.concat(chunks);
  } finally {
    await store.close();
  }
}

describe('NCQ3 store of a 24 MiB file killed at random moments', () => {
  it(`${STORE_TRIALS} trials: opens, tails recovered, printed roots read back, no wrong hash`, async () => {
    const store = path.join(dir, 'store');
    const env = hbs2Env(dir, store);
    const { stored: printed, lastMs: bigMs } = await storeSamples(dir, env, [
      11,
      300_000,
      STORE_SIZE,
    ]);
    expect(fs.existsSync(path.join(store, 'ncq3'))).toBe(true);
    const input = path.join(dir, 'big.bin');
    for (let t = 0; t < STORE_TRIALS; t++) {
      const data = randomBytes(STORE_SIZE);
      fs.writeFileSync(input, data);
      const o = await killAtRandom(['store', '--no-progress', input], env, bigMs * 1.2, dir);
      const trial = `trial ${t}: ${o.killed ? 'killed' : 'completed'} after ${o.delayMs} ms`;
      if (o.killed) tally.store.killed++;
      else {
        tally.store.completed++;
        expect(o.status, `${trial}: ${o.stderr}`).toBe(0);
      }
      // A root printed by the killed run was made durable before it was printed.
      const root = o.stdout.trim();
      if (/^\w{43,44}$/.test(root)) printed.push([root, data]);

      // The store opens and every block section of every data file hashes to its key.
      const check = await checkNcqStore(store);
      expect(
        check.problems.filter((p) => p.integrity),
        trial,
      ).toEqual([]);
      if (check.problems.some((p) => p.kind === 'torn-tail')) tally.store.tornTails++;
      for (const [r, bytes] of printed)
        expect((await readRoot(store, r)).equals(bytes), `${trial}: root ${r}`).toBe(true);

      // The lock died with the process: the next writer starts, and recovers what hbs2
      // would (torn tails cut, pending files indexed, a killed writer's files swept).
      const next = await runHbs2(['fsck', '--repair'], { cwd: dir, env });
      expect(next.status, `${trial}: ${next.stderr}`).toBe(0);
      const after = await runHbs2(['fsck'], { cwd: dir, env });
      expect(after.stdout.toString(), trial).not.toMatch(/torn-tail|unlisted/);
    }
    const cat = await runHbs2(['cat', printed.at(-1)![0]], { cwd: dir, env });
    expect(cat.stdout.equals(printed.at(-1)![1])).toBe(true);
  }, 240_000);
});

describe('store migrate killed at random moments', () => {
  it(`${MIGRATE_TRIALS} trials: running it again finishes with every block`, async () => {
    for (let t = 0; t < MIGRATE_TRIALS; t++) {
      const prefix = path.join(dir, `mig-${t}`);
      fs.mkdirSync(path.join(prefix, 'blocks'), { recursive: true });
      const env = hbs2Env(dir, prefix);
      const data = randomBytes(8 * 1024 * 1024 + t);
      fs.writeFileSync(path.join(dir, 'm.bin'), data);
      const s = await runHbs2(['store', '--no-progress', 'm.bin'], { cwd: dir, env });
      expect(s.status, s.stderr).toBe(0);
      const root = s.stdout.toString().trim();
      const o = await killAtRandomAfterTiming(['store', 'migrate'], dir, prefix);
      if (o.killed) tally.migrate.killed++;
      // Interrupted or not, the data reads (from blocks/ while the migration is unfinished).
      const mid = await runHbs2(['cat', root], { cwd: dir, env });
      expect(mid.stdout.equals(data), `trial ${t}: cat after the kill: ${mid.stderr}`).toBe(true);
      const again = await runHbs2(['store', 'migrate'], { cwd: dir, env });
      expect(again.status, again.stderr).toBe(0);
      expect(fs.existsSync(path.join(prefix, 'ss-ncq3-done'))).toBe(true);
      expect(fs.existsSync(path.join(prefix, 'blocks'))).toBe(false);
      expect((await readRoot(prefix, root)).equals(data), `trial ${t}`).toBe(true);
    }
  }, 240_000);
});

describe('store compact killed at random moments', () => {
  it(`${COMPACT_TRIALS} trials: every kept root reads, compacting again leaves one data file`, async () => {
    for (let t = 0; t < COMPACT_TRIALS; t++) {
      const prefix = path.join(dir, `compact-${t}`);
      const env = hbs2Env(dir, prefix);
      // Five stores (five data files), then one deleted: one file to rewrite, four to merge.
      const kept: [string, Buffer][] = [];
      let doomed = '';
      for (let i = 0; i < 5; i++) {
        const data = randomBytes(2 * 1024 * 1024 + 1000 * i + t);
        fs.writeFileSync(path.join(dir, `c${i}.bin`), data);
        const s = await runHbs2(['store', '--no-progress', `c${i}.bin`], { cwd: dir, env });
        expect(s.status, s.stderr).toBe(0);
        const root = s.stdout.toString().trim();
        if (i === 2) doomed = root;
        else kept.push([root, data]);
      }
      const del = await runHbs2(['del', '-r', '-y', doomed], { cwd: dir, env });
      expect(del.status, del.stderr).toBe(0);
      const o = await killAtRandomAfterTiming(['store', 'compact'], dir, prefix);
      if (o.killed) tally.compact.killed++;
      const trial = `trial ${t}: ${o.killed ? 'killed' : 'completed'} after ${o.delayMs} ms`;
      for (const [root, data] of kept)
        expect((await readRoot(prefix, root)).equals(data), `${trial}: root ${root}`).toBe(true);
      const found = await checkNcqStore(prefix);
      expect(
        found.problems.filter((p) => p.integrity),
        trial,
      ).toEqual([]);
      const again = await runHbs2(['store', 'compact'], { cwd: dir, env });
      expect(again.status, `${trial}: ${again.stderr}`).toBe(0);
      const files = fs
        .readdirSync(path.join(prefix, 'ncq3', '0'))
        .filter((n) => n.startsWith('f-'));
      expect(files, trial).toHaveLength(1);
      for (const [root, data] of kept)
        expect((await readRoot(prefix, root)).equals(data), `${trial}: ${root} after`).toBe(true);
    }
  }, 240_000);
});
