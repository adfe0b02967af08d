#!/usr/bin/env node
// Opening speed of an NCQ3 store written by many short commands (issue 14: opening a store
// and reading one small tree takes <= 0.3 s on a 4 GiB store written by 1,000 separate
// `store` commands). Each "command" here is what `hbs2 store` does to the store, done
// through the built library in one process (a session: open for writing, write a tree,
// flush, pin, close, which indexes it and merges indexes past 8), so 1,000 of them take
// minutes instead of the CLI's start-up cost 1,000 times. Then the real CLI is timed:
// `hbs2 cat` of the first (oldest, so deepest in the index list) small tree.
// Usage: npm run build && node bench/ncq3-open.mjs   (OPEN_COMMANDS=1000 OPEN_MB_EACH=4)
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const lib = await import(path.join(root, 'dist', 'index.js'));
const { addPin } = await import(path.join(root, 'dist', 'pins', 'index.js'));
const COMMANDS = Number(process.env.OPEN_COMMANDS ?? 1000);
const MB_EACH = Number(process.env.OPEN_MB_EACH ?? 4);
const work = fs.mkdtempSync(path.join(process.env.BENCH_DIR ?? os.tmpdir(), 'hbs2-open-'));
const prefix = path.join(work, 'store');

const t0 = performance.now();
let small;
for (let i = 0; i < COMMANDS; i++) {
  const store = await lib.openStore(prefix, { write: true, createFormat: 'ncq3' });
  const data = i === 0 ? Buffer.from('a small tree\n') : randomBytes(MB_EACH * 1024 * 1024);
  const { root: r } = await lib.writeTree(store.blocks, [data]);
  await store.blocks.flush();
  await addPin(store, r, `file-${i}`);
  await store.close();
  if (i === 0) small = lib.hashToString(r);
  if ((i + 1) % 100 === 0)
    console.error(`${i + 1} commands, ${((performance.now() - t0) / 1000).toFixed(0)} s`);
}
const files = fs.readdirSync(path.join(prefix, 'ncq3', '0'));
const bytes = files.reduce((n, f) => n + fs.statSync(path.join(prefix, 'ncq3', '0', f)).size, 0);

const times = [];
for (let i = 0; i < 5; i++) {
  const s = performance.now();
  const r = spawnSync(process.execPath, [
    path.join(root, 'bin', 'hbs2.js'),
    'cat',
    '-p',
    prefix,
    small,
  ]);
  times.push((performance.now() - s) / 1000);
  if (r.status !== 0 || r.stdout.toString() !== 'a small tree\n')
    throw new Error(r.stderr.toString());
}
const version = [];
for (let i = 0; i < 5; i++) {
  const s = performance.now();
  spawnSync(process.execPath, [path.join(root, 'bin', 'hbs2.js'), '--version']);
  version.push((performance.now() - s) / 1000);
}
const inProcess = [];
for (let i = 0; i < 5; i++) {
  const s = performance.now();
  const store = await lib.openStore(prefix);
  const chunks = [];
  for await (const c of lib.readObject(store.blocks, lib.parseHash(small))) chunks.push(c);
  await store.close();
  inProcess.push((performance.now() - s) / 1000);
}
const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
console.log(
  `NCQ3 store of ${COMMANDS} store commands (${(bytes / 2 ** 30).toFixed(2)} GiB, ` +
    `${files.filter((f) => f.startsWith('f-')).length} data files, ` +
    `${files.filter((f) => f.startsWith('i-')).length} index files): ` +
    `hbs2 cat of a small tree ${median(times).toFixed(3)} s ` +
    `(hbs2 --version ${median(version).toFixed(3)} s); open + read in process ` +
    `${median(inProcess).toFixed(3)} s; writing took ${((performance.now() - t0) / 1000).toFixed(0)} s`,
);
fs.rmSync(work, { recursive: true, force: true });
