#!/usr/bin/env node
// S3 bench (issue 17): `store -g` and `cat -k` of 256 MiB against a local single-node Ceph
// RADOS gateway started by test/s3/ceph.mjs (loopback, file-backed OSD), medians of
// BENCH_RUNS (default 3) runs, peak RSS via /usr/bin/time. Each store goes to a fresh
// prefix, so every block is uploaded.
//
//   npm run build && node bench/s3.mjs          # needs ceph-mon, ceph-osd, radosgw
//   BENCH_MIB=64 BENCH_RUNS=1 node bench/s3.mjs  # quicker
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startCeph, stopCeph } from '../test/s3/ceph.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIN = path.join(ROOT, 'bin/hbs2.js');
const MIB = Number(process.env.BENCH_MIB ?? 256);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'hbs2-s3-bench-'));
const cephDir = path.join(work, 'ceph');
const info = await startCeph(cephDir);
try {
  const env = {
    ...process.env,
    AWS_ENDPOINT_URL: info.endpoint,
    AWS_REGION: info.region,
    AWS_ACCESS_KEY_ID: info.accessKey,
    AWS_SECRET_ACCESS_KEY: info.secretKey,
    XDG_CONFIG_HOME: path.join(work, 'config'),
    XDG_DATA_HOME: path.join(work, 'data'),
  };
  const hbs2 = (...args) =>
    execFileSync(process.execPath, [BIN, ...args], { cwd: work, env, encoding: 'utf8' }).trim();
  // The bucket, made by the library's own client.
  const { S3Client } = await import(path.join(ROOT, 'dist/store/s3/client.js'));
  const bucket = 'bench';
  await new S3Client({
    endpoint: info.endpoint,
    bucket,
    credentials: { accessKeyId: info.accessKey, secretAccessKey: info.secretKey },
  }).createBucket();
  hbs2('keyring', 'new', '-o', 'A.key');
  fs.writeFileSync(path.join(work, 'A.pubs'), hbs2('keyring', 'pubs', 'A.key') + '\n');
  hbs2('groupkey-new', 'A.pubs', '-o', 'GK');
  const input = path.join(work, 'input.bin');
  const fd = fs.openSync(input, 'w');
  for (let i = 0; i < MIB; i++) fs.writeSync(fd, randomBytes(1 << 20));
  fs.closeSync(fd);

  /** One timed run: wall seconds and peak RSS in MB. */
  const timed = (args, stdout = '/dev/null') => {
    const timeFile = path.join(work, 'time.txt');
    const r = spawnSync(
      '/usr/bin/time',
      ['-f', '%e %M', '-o', timeFile, process.execPath, BIN, ...args],
      { cwd: work, env, stdio: ['ignore', fs.openSync(stdout, 'w'), 'inherit'] },
    );
    if (r.status !== 0) throw new Error(`hbs2 ${args.join(' ')} failed`);
    const [s, kb] = fs.readFileSync(timeFile, 'utf8').trim().split(/\s+/).map(Number);
    return { s, rss: kb / 1024 };
  };
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const rows = [];
  const measure = (label, runOnce) => {
    const results = Array.from({ length: RUNS }, (_, i) => runOnce(i));
    const s = median(results.map((r) => r.s));
    rows.push([
      label,
      s.toFixed(2),
      (MIB / s).toFixed(0),
      Math.max(...results.map((r) => r.rss)).toFixed(0),
    ]);
  };
  let root;
  measure(`hbs2 store -g, ${MIB} MiB → S3`, (i) => {
    const out = path.join(work, 'root.txt');
    const r = timed(
      ['store', '-p', `s3://${bucket}/run${i}`, '-g', 'GK', '-k', 'A.key', '--no-pin', input],
      out,
    );
    root = fs.readFileSync(out, 'utf8').trim();
    return r;
  });
  measure(`hbs2 cat -k, ${MIB} MiB ← S3`, () => {
    const out = path.join(work, 'output.bin');
    const r = timed(['cat', '-p', `s3://${bucket}/run0`, '-k', 'A.key', root], out);
    if (execFileSync('cmp', [out, input]).length !== 0) throw new Error('cat differs');
    return r;
  });
  console.log(`| command (${RUNS} runs, median) | s | MiB/s | peak RSS MB |`);
  console.log('|---|---|---|---|');
  for (const r of rows) console.log(`| ${r.join(' | ')} |`);
} finally {
  await stopCeph(cephDir);
  fs.rmSync(work, { recursive: true, force: true });
}
