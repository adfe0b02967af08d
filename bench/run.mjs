#!/usr/bin/env node
// Benchmarks our CLI against the reference tools named in the performance issue (b2sum, age),
// in one run on this machine: medians of three runs, ratios, and peak RSS via /usr/bin/time.
// Usage: npm run bench            (256 MiB, both crypto backends)
//        BENCH_MB=64 BENCH_BACKENDS=native npm run bench
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
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'hbs2-bench-'));

function have(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
}
for (const [tool, pkg] of [
  ['b2sum', 'coreutils'],
  ['age', 'age'],
  ['/usr/bin/time', 'time'],
]) {
  if (!have(tool)) {
    console.error(`bench: ${tool} is missing; install it with: apt-get install -y ${pkg}`);
    process.exit(2);
  }
}

/** Runs `cmd args` RUNS times; returns the median wall time (s) and the max peak RSS (MB). */
function measure(label, cmd, args, { env = {}, stdin, stdout = '/dev/null', before } = {}) {
  const times = [];
  let rss = 0;
  for (let i = 0; i < RUNS; i++) {
    before?.();
    const shell = `/usr/bin/time -f '%e %M' -o ${work}/time.txt ${[cmd, ...args].map(q).join(' ')}${stdin ? ` < ${q(stdin)}` : ''} > ${q(stdout)}`;
    const r = spawnSync('sh', ['-c', shell], {
      env: { ...process.env, ...env },
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
const ageEnc = measure('age -r (encrypt)', 'age', [
  '-r',
  agePub,
  '-o',
  path.join(work, 'input.age'),
  input,
]);
const ageDec = measure('age -d (decrypt)', 'age', [
  '-d',
  '-i',
  ageKey,
  '-o',
  '/dev/null',
  path.join(work, 'input.age'),
]);
rows.push(ageEnc, ageDec);

const targets = [];
for (const backend of BACKENDS) {
  const env = { HBS2_CRYPTO: backend };
  const store = path.join(work, `store-${backend}`);
  const fresh = () => fs.rmSync(store, { recursive: true, force: true });
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

  const st = measure(`hbs2 store [${backend}]`, 'node', [hbs2, 'store', '--no-progress', input], {
    ...e2,
    before: fresh,
  });
  const stg = measure(
    `hbs2 store -g [${backend}]`,
    'node',
    [hbs2, 'store', '--no-progress', '-g', gk, '-k', a, input],
    { ...e2, before: fresh },
  );
  const root = run(['store', '--no-progress', '-g', gk, '-k', a, input]);
  const cat = measure(
    `hbs2 cat -k (decrypt) [${backend}]`,
    'node',
    [hbs2, 'cat', '--no-progress', '-k', a, root],
    e2,
  );
  const meta = measure(
    `hbs2 cat --metadata [${backend}]`,
    'node',
    [hbs2, 'cat', '--metadata', '-k', a, root],
    e2,
  );
  const ver = measure(`hbs2 --version [${backend}]`, 'node', [hbs2, '--version'], e2);
  rows.push(st, stg, cat, meta, ver);

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

  targets.push(
    [`store / b2sum ≤ 1.5 [${backend}]`, st.time / b2.time, 1.5],
    [`store -g / age -r ≤ 3 [${backend}]`, stg.time / ageEnc.time, 3],
    [`cat / age -d ≤ 3 [${backend}]`, cat.time / ageDec.time, 3],
    [`store -g peak RSS MB ≤ 150 [${backend}]`, stg.rss, 150],
    [`cat peak RSS MB ≤ 150 [${backend}]`, cat.rss, 150],
    [`groupkey-new 2000 s ≤ 3 [${backend}]`, gkNew.time, 3],
    [`groupkey dump 2000 s ≤ 1 [${backend}]`, gkDump.time, 1],
    [`cat --metadata s ≤ 0.5 [${backend}]`, meta.time, 0.5],
    [`--version s ≤ 0.3 [${backend}]`, ver.time, 0.3],
  );
}

console.log('\n| command | median s | MB/s | peak RSS MB |\n|---|---|---|---|');
for (const r of rows)
  console.log(
    `| ${r.label} | ${r.time.toFixed(2)} | ${(MB / r.time).toFixed(0)} | ${r.rss.toFixed(0)} |`,
  );
console.log('\n| target | measured | limit | ok |\n|---|---|---|---|');
for (const [name, v, limit] of targets)
  console.log(`| ${name} | ${v.toFixed(2)} | ${limit} | ${v <= limit ? 'yes' : 'NO'} |`);
fs.rmSync(work, { recursive: true, force: true });
