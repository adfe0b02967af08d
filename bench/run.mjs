#!/usr/bin/env node
// Benchmarks our CLI against the reference tools named in the performance issues (b2sum,
// age, dd conv=fsync, restic), in one run on this machine: medians of three runs, ratios,
// and peak RSS via /usr/bin/time; store, store -g and cat in both store layouts (NCQ3, the
// default, and the simple one via --format simple). The machine may be shared: the
// ratios, measured within one run, are what to compare.
// Also: the write floor (the same 1,024 durable block files written by a small Python
// script, no hashing), `hash --tree` (our hashing pipeline without writes), and peak RSS
// of store -g / cat at 1 GiB (memory must not grow with the file).
// Usage: npm run bench            (256 MiB, both crypto backends, 1 GiB memory check)
//        BENCH_MB=64 BENCH_BIG_MB=0 BENCH_BACKENDS=native npm run bench
//        BENCH_BASELINE=../other-checkout npm run bench   (also times that checkout's built
//        `store -g` and `cat`, interleaved with ours, to compare two versions in one run)
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';

const MB = Number(process.env.BENCH_MB ?? 256);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const BACKENDS = (process.env.BENCH_BACKENDS ?? 'native,js').split(',');
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const hbs2 = path.join(root, 'bin', 'hbs2.js');
const BASELINE = process.env.BENCH_BASELINE
  ? path.join(path.resolve(process.env.BENCH_BASELINE), 'bin', 'hbs2.js')
  : undefined;
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'hbs2-bench-'));

function have(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
}
for (const [tool, pkg] of [
  ['b2sum', 'coreutils'],
  ['dd', 'coreutils'],
  ['restic', 'restic'],
  ['age', 'age'],
  ['/usr/bin/time', 'time'],
  ['python3', 'python3'],
]) {
  if (!have(tool)) {
    console.error(`bench: ${tool} is missing; install it with: apt-get install -y ${pkg}`);
    process.exit(2);
  }
}

/**
 * Runs `cmd args` RUNS times; returns the median wall time (s) and the max peak RSS (MB).
 * `before` runs ahead of each run and may return extra environment for it (a fresh store
 * directory). Commands that write get `settle`: the page cache is synced and left alone
 * for a moment first, so one run's write-back is not billed to the next.
 */
function measure(
  label,
  cmd,
  args,
  { env = {}, stdin, stdout = '/dev/null', before, settle = false, runs = RUNS } = {},
) {
  const times = [];
  let rss = 0;
  for (let i = 0; i < runs; i++) {
    const extraEnv = before?.() ?? {};
    if (settle) execFileSync('sh', ['-c', 'sync; sleep 1']);
    const shell = `/usr/bin/time -f '%e %M' -o ${work}/time.txt ${[cmd, ...args].map(q).join(' ')}${stdin ? ` < ${q(stdin)}` : ''} > ${q(stdout)}`;
    const r = spawnSync('sh', ['-c', shell], {
      env: { ...process.env, ...env, ...extraEnv },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    if (r.status !== 0) throw new Error(`${label}: exit ${r.status}`);
    const [e, m] = fs
      .readFileSync(`${work}/time.txt`, 'utf8')
      .trim()
      .split(/\s+/)
      .slice(-2)
      .map(Number);
    times.push(e);
    rss = Math.max(rss, m / 1024);
  }
  times.sort((a, b) => a - b);
  return { label, time: times[Math.floor(times.length / 2)], rss };
}
function q(s) {
  return `'${String(s).replace(/'/g, `'\\''`)}'`;
}

const input = path.join(work, 'input.bin');
{
  const fd = fs.openSync(input, 'w');
  for (let i = 0; i < MB; i++) fs.writeSync(fd, randomBytes(1 << 20));
  fs.closeSync(fd);
}
console.log(
  `bench: ${MB} MiB random input, ${RUNS} runs each, ${os.cpus().length} cores, node ${process.version}`,
);

const rows = [];
const b2 = measure('b2sum -l 256', 'b2sum', ['-l', '256', input]);
rows.push(b2);
const ageKey = path.join(work, 'age.key');
execFileSync('sh', ['-c', `age-keygen -o ${q(ageKey)} 2>/dev/null`]);
const agePub = execFileSync('age-keygen', ['-y', ageKey]).toString().trim();
const ageEnc = measure(
  'age -r (encrypt)',
  'age',
  ['-r', agePub, '-o', path.join(work, 'input.age'), input],
  {
    settle: true,
  },
);
const ageDec = measure('age -d (decrypt)', 'age', [
  '-d',
  '-i',
  ageKey,
  '-o',
  '/dev/null',
  path.join(work, 'input.age'),
]);
rows.push(ageEnc, ageDec);

// The durable-write floor of issue 14: the same bytes copied and fsynced once.
const dd = measure(
  'dd bs=1M conv=fsync',
  'dd',
  ['if=' + input, 'of=' + path.join(work, 'dd.out'), 'bs=1M', 'conv=fsync', 'status=none'],
  { settle: true },
);
// restic: encrypted and deduplicated, what users would otherwise pick (a fresh repository
// per backup; the password from the environment).
const resticEnv = { RESTIC_PASSWORD: 'bench-only' };
let repos = 0;
const freshRepo = () => {
  const repo = path.join(work, `restic-${repos++}`);
  execFileSync('restic', ['init', '--repo', repo], { env: { ...process.env, ...resticEnv } });
  return { RESTIC_REPOSITORY: repo };
};
const resticBackup = measure('restic backup (fresh repo)', 'restic', ['backup', '-q', input], {
  env: resticEnv,
  before: freshRepo,
  settle: true,
});
const dumpRepo = freshRepo();
execFileSync('restic', ['backup', '-q', input], {
  env: { ...process.env, ...resticEnv, ...dumpRepo },
});
const resticDump = measure('restic dump', 'restic', ['dump', '-q', 'latest', input], {
  env: { ...resticEnv, ...dumpRepo },
});
rows.push(dd, resticBackup, resticDump);

// What writing the input as 1,024 durable block files costs on this file system without
// any hashing or JavaScript: the floor under `hbs2 store` (b2sum only reads).
let dirs = 0;
const freshDir = () => path.join(work, `dir-${dirs++}`);
const floor = measure(
  'write floor (1,024 files: temp+fsync+rename, python)',
  'python3',
  [path.join(root, 'bench', 'write-floor.py'), input, freshDir()],
  { settle: true },
);
rows.push(floor);

const targets = [];
for (const backend of BACKENDS) {
  const env = { HBS2_CRYPTO: backend };
  const store = path.join(work, `store-${backend}`);
  const run = (args) =>
    execFileSync('node', [hbs2, ...args], { env: { ...process.env, ...env, HBS2_STORE: store } })
      .toString()
      .trim();
  fs.rmSync(store, { recursive: true, force: true });
  const a = path.join(work, `a-${backend}.key`);
  fs.rmSync(a, { force: true });
  run(['keyring', 'new', '-o', a]);
  const pubs = path.join(work, `a-${backend}.pubs`);
  fs.writeFileSync(pubs, run(['keyring', 'pubs', a]) + '\n');
  const gk = path.join(work, `gk-${backend}`);
  fs.writeFileSync(gk, run(['groupkey-new', pubs]) + '\n');
  const e2 = { env: { ...env, HBS2_STORE: store } };

  // Every store run gets a new, empty store: deleting 256 MiB just before a run makes the
  // file system slower for that run (freed blocks are discarded), which is not our cost.
  const newStore = () => ({ HBS2_STORE: freshDir() });
  const byLayout = {};
  for (const layout of ['ncq3', 'simple']) {
    const fmt = ['--format', layout];
    const tag = `${layout}, ${backend}`;
    const st = measure(
      `hbs2 store [${tag}]`,
      'node',
      [hbs2, 'store', '--no-progress', ...fmt, input],
      {
        ...e2,
        before: newStore,
        settle: true,
      },
    );
    const stg = measure(
      `hbs2 store -g [${tag}]`,
      'node',
      [hbs2, 'store', '--no-progress', ...fmt, '-g', gk, '-k', a, input],
      { ...e2, before: newStore, settle: true },
    );
    const catStore = freshDir();
    const catEnv = { env: { ...env, HBS2_STORE: catStore } };
    const stored = execFileSync(
      'node',
      [hbs2, 'store', '--no-progress', ...fmt, '-g', gk, '-k', a, input],
      { env: { ...process.env, ...env, HBS2_STORE: catStore } },
    )
      .toString()
      .trim();
    const cat = measure(
      `hbs2 cat -k (decrypt) [${tag}]`,
      'node',
      [hbs2, 'cat', '--no-progress', '-k', a, stored],
      catEnv,
    );
    byLayout[layout] = { st, stg, cat };
    rows.push(st, stg, cat);
  }
  const { st, stg, cat } = byLayout.ncq3;
  const hashTree = measure(
    `hbs2 hash --tree (no writes) [${backend}]`,
    'node',
    [hbs2, 'hash', '--tree', '--no-progress', input],
    e2,
  );
  const root = run(['store', '--no-progress', '-g', gk, '-k', a, input]);
  const meta = measure(
    `hbs2 cat --metadata [${backend}]`,
    'node',
    [hbs2, 'cat', '--metadata', '-k', a, root],
    e2,
  );
  const ver = measure(`hbs2 --version [${backend}]`, 'node', [hbs2, '--version'], e2);
  rows.push(hashTree, meta, ver);
  if (BASELINE) {
    // The other version's store -g and cat of its own tree, each run right after ours
    // again, so both see the same state of the machine.
    const base = (args) =>
      execFileSync('node', [BASELINE, ...args], {
        env: { ...process.env, ...env, HBS2_STORE: store },
      })
        .toString()
        .trim();
    const baseRoot = base(['store', '--no-progress', '-g', gk, '-k', a, input]);
    const pairs = { stg: [[], []], cat: [[], []] };
    for (let i = 0; i < RUNS; i++) {
      for (const [j, bin] of [hbs2, BASELINE].entries()) {
        const s = measure('', 'node', [bin, 'store', '--no-progress', '-g', gk, '-k', a, input], {
          ...e2,
          before: newStore,
          settle: true,
          runs: 1,
        });
        pairs.stg[j].push(s.time);
        const r = j === 0 ? root : baseRoot;
        pairs.cat[j].push(
          measure('', 'node', [bin, 'cat', '--no-progress', '-k', a, r], { ...e2, runs: 1 }).time,
        );
      }
    }
    const median = (xs) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
    for (const [what, [ours, theirs]] of Object.entries(pairs)) {
      const label = what === 'stg' ? 'store -g' : 'cat -k';
      rows.push(
        { label: `${label}, this checkout (paired) [${backend}]`, time: median(ours), rss: 0 },
        { label: `${label}, baseline (paired) [${backend}]`, time: median(theirs), rss: 0 },
      );
      targets.push([`${label} / baseline ≤ 1.10 [${backend}]`, median(ours) / median(theirs), 1.1]);
    }
  }

  // Group key of 2,000 recipients.
  const ring = path.join(work, `many-${backend}.key`);
  fs.rmSync(ring, { force: true });
  run(['keyring', 'new', '-n', '2000', '-o', ring]);
  const gkNew = measure(
    `groupkey-new 2000 recipients [${backend}]`,
    'node',
    [hbs2, 'groupkey-new', ring, '-o', path.join(work, `gk2000-${backend}`)],
    e2,
  );
  const gkDump = measure(
    `groupkey dump 2000 [${backend}]`,
    'node',
    [hbs2, 'groupkey', 'dump', path.join(work, `gk2000-${backend}`)],
    e2,
  );
  rows.push(gkNew, gkDump);

  const simple = byLayout.simple;
  targets.push(
    // Issue 14: NCQ3 store against the durable-write floor and the tools users compare.
    [`NCQ3 store / dd conv=fsync ≤ 1.5 [${backend}]`, st.time / dd.time, 1.5],
    [`(NCQ3 store / b2sum) [${backend}]`, st.time / b2.time, null],
    [`NCQ3 store -g / restic backup ≤ 0.6 [${backend}]`, stg.time / resticBackup.time, 0.6],
    [`NCQ3 store -g / age -r ≤ 2 [${backend}]`, stg.time / ageEnc.time, 2],
    [`NCQ3 cat / age -d ≤ 2 [${backend}]`, cat.time / ageDec.time, 2],
    [`NCQ3 cat / restic dump ≤ 0.6 [${backend}]`, cat.time / resticDump.time, 0.6],
    // The simple layout's batched fsyncs keep store near the same durable procedure done
    // with no hashing and no JavaScript.
    [`simple store / write floor ≤ 1.2 [${backend}]`, simple.st.time / floor.time, 1.2],
    [`(simple store / b2sum) [${backend}]`, simple.st.time / b2.time, null],
    [`(hash --tree / b2sum) [${backend}]`, hashTree.time / b2.time, null],
    ...['ncq3', 'simple'].flatMap((l) =>
      ['st', 'stg', 'cat'].map((k) => [
        `${{ st: 'store', stg: 'store -g', cat: 'cat' }[k]} peak RSS MB ≤ 150 [${l}, ${backend}]`,
        byLayout[l][k].rss,
        150,
      ]),
    ),
    [`groupkey-new 2000 s ≤ 3 [${backend}]`, gkNew.time, 3],
    [`groupkey dump 2000 s ≤ 1 [${backend}]`, gkDump.time, 1],
    [`cat --metadata s ≤ 0.5 [${backend}]`, meta.time, 0.5],
    [`--version s ≤ 0.3 [${backend}]`, ver.time, 0.3],
  );
}

// Memory must not grow with the file: the same commands on 1 GiB (native, one run each).
const BIG_MB = Number(process.env.BENCH_BIG_MB ?? 1024);
if (BIG_MB > 0 && BACKENDS.includes('native')) {
  const big = path.join(work, 'big.bin');
  const fd = fs.openSync(big, 'w');
  for (let i = 0; i < BIG_MB; i++) fs.writeSync(fd, randomBytes(1 << 20));
  fs.closeSync(fd);
  const env = { HBS2_CRYPTO: 'native' };
  const a = path.join(work, 'a-native.key');
  const gk = path.join(work, 'gk-native');
  for (const layout of ['ncq3', 'simple']) {
    const fmt = ['--format', layout];
    const one = (label, args) =>
      measure(`${label}, ${BIG_MB} MiB [${layout}, native]`, 'node', [hbs2, ...args], {
        env: { ...env, HBS2_STORE: freshDir() },
        settle: true,
        runs: 1,
      });
    const st = one('hbs2 store', ['store', '--no-progress', ...fmt, big]);
    const stg = one('hbs2 store -g', ['store', '--no-progress', ...fmt, '-g', gk, '-k', a, big]);
    const catEnv = { ...env, HBS2_STORE: freshDir() };
    const root = execFileSync(
      'node',
      [hbs2, 'store', '--no-progress', ...fmt, '-g', gk, '-k', a, big],
      { env: { ...process.env, ...catEnv } },
    )
      .toString()
      .trim();
    const cat = measure(
      `hbs2 cat -k (decrypt), ${BIG_MB} MiB [${layout}, native]`,
      'node',
      [hbs2, 'cat', '--no-progress', '-k', a, root],
      { env: catEnv, runs: 1 },
    );
    rows.push({ ...st, mb: BIG_MB }, { ...stg, mb: BIG_MB }, { ...cat, mb: BIG_MB });
    targets.push(
      [`store peak RSS MB ≤ 150 at ${BIG_MB} MiB [${layout}, native]`, st.rss, 150],
      [`store -g peak RSS MB ≤ 150 at ${BIG_MB} MiB [${layout}, native]`, stg.rss, 150],
      [`cat peak RSS MB ≤ 150 at ${BIG_MB} MiB [${layout}, native]`, cat.rss, 150],
    );
  }
}

console.log('\n| command | median s | MB/s | peak RSS MB |\n|---|---|---|---|');
for (const r of rows)
  console.log(
    `| ${r.label} | ${r.time.toFixed(2)} | ${((r.mb ?? MB) / r.time).toFixed(0)} | ${r.rss.toFixed(0)} |`,
  );
console.log('\n| target | measured | limit | ok |\n|---|---|---|---|');
for (const [name, v, limit] of targets)
  console.log(
    limit === null
      ? `| ${name} | ${v.toFixed(2)} | (context) | |`
      : `| ${name} | ${v.toFixed(2)} | ${limit} | ${v <= limit ? 'yes' : 'NO'} |`,
  );
fs.rmSync(work, { recursive: true, force: true });
