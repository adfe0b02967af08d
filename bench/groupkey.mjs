#!/usr/bin/env node
// Group key speed: `hbs2 groupkey-new` for N recipients and `hbs2 groupkey dump` of the
// result, end to end through the built CLI (node start-up included), with each crypto
// backend (HBS2_CRYPTO=native|js). Targets (issue "Group keys"): 2,000 recipients, new
// under 3 s and dump under 1 s with native crypto.
// Usage: npm run build && node bench/groupkey.mjs
//        BENCH_RECIPIENTS=5000 BENCH_RUNS=5 BENCH_BACKENDS=native node bench/groupkey.mjs
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const N = Number(process.env.BENCH_RECIPIENTS ?? 2000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const BACKENDS = (process.env.BENCH_BACKENDS ?? 'native,js').split(',');
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const hbs2 = path.join(root, 'bin', 'hbs2.js');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'hbs2-bench-gk-'));

const { encodeBase58 } = await import(path.join(root, 'dist', 'codec', 'base58.js'));
const { jsCrypto } = await import(path.join(root, 'dist', 'crypto', 'index.js'));

// Recipients file: N fresh public keys with the comment styles the parser accepts.
const lines = ['# bench recipients'];
for (let i = 0; i < N; i++) {
  const pk = encodeBase58(jsCrypto.boxKeyPair().publicKey);
  lines.push(i % 3 === 0 ? `${pk}  # member ${i}` : i % 3 === 1 ? `member "${pk}"` : pk);
}
const recipients = path.join(work, 'recipients.txt');
fs.writeFileSync(recipients, lines.join('\n') + '\n');

/** Median wall time (s) of RUNS runs of the CLI with `args`. */
function measure(backend, args) {
  const times = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(process.execPath, [hbs2, ...args], {
      cwd: work,
      env: { ...process.env, HBS2_CRYPTO: backend, HBS2_STORE: path.join(work, 'store') },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const dt = Number(process.hrtime.bigint() - t0) / 1e9;
    if (r.status !== 0)
      throw new Error(`hbs2 ${args.join(' ')} (${backend}): exit ${r.status}\n${r.stderr}`);
    times.push(dt);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

const rows = [];
for (const backend of BACKENDS) {
  const out = path.join(work, `${backend}.gk`);
  const create = measure(backend, ['groupkey-new', recipients, '-o', out]);
  const dump = measure(backend, ['groupkey', 'dump', out]);
  const json = measure(backend, ['groupkey', 'dump', '--json', out]);
  rows.push({ backend, create, dump, json, size: fs.statSync(out).size });
}
const base = measure(BACKENDS[0], ['--version']);

console.log(
  `group keys, ${N} recipients, median of ${RUNS} runs (node start-up ≈ ${base.toFixed(2)} s)`,
);
console.log('backend  groupkey-new  dump     dump --json  file size');
for (const r of rows)
  console.log(
    `${r.backend.padEnd(8)} ${`${r.create.toFixed(2)} s`.padEnd(13)} ${`${r.dump.toFixed(2)} s`.padEnd(8)} ${`${r.json.toFixed(2)} s`.padEnd(12)} ${(r.size / 1024).toFixed(0)} KiB`,
  );
fs.rmSync(work, { recursive: true, force: true });
