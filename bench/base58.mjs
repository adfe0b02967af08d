// Base58 throughput of the toolkit (dist/codec/base58.js) against the quadratic `bs58`.
// Run after `npm run build`: node bench/base58.mjs
//
// 1. ≈ 900 KB of random bytes (≈ 1.2 MB of base58 text, the size of a large group key
//    file) encoded and decoded: the first (cold) run, and the median of 3 runs.
// 2. 100 KB through both the toolkit and bs58 (bs58 once: it takes tens of seconds).
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import bs58 from 'bs58';
import { decodeBase58, encodeBase58 } from '../dist/codec/base58.js';

/** Milliseconds taken by one call of `f`, and its result. */
function timed(f) {
  const t0 = performance.now();
  const value = f();
  return { ms: performance.now() - t0, value };
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function check(ok, what) {
  if (!ok) {
    console.error(`bench: ${what} mismatch`);
    process.exit(1);
  }
}

const rows = [];
const fmt = (ms) => (ms === undefined ? '-' : `${ms.toFixed(0)} ms`);

// 1. The large case. Every run uses fresh bytes, so nothing is cached but the powers of 58.
const BIG = 900_000;
const enc = [];
const dec = [];
let textLength = 0;
for (let i = 0; i < 3; i++) {
  const bytes = randomBytes(BIG);
  const e = timed(() => encodeBase58(bytes));
  const d = timed(() => decodeBase58(e.value));
  check(Buffer.compare(Buffer.from(d.value), bytes) === 0, 'round trip');
  enc.push(e.ms);
  dec.push(d.ms);
  textLength = e.value.length;
}
rows.push({
  case: `encode ${BIG / 1000} KB → ${(textLength / 1e6).toFixed(2)} MB`,
  first: enc[0],
  median: median(enc),
});
rows.push({
  case: `decode ${(textLength / 1e6).toFixed(2)} MB → ${BIG / 1000} KB`,
  first: dec[0],
  median: median(dec),
});

// 2. 100 KB against bs58.
const SMALL = 100_000;
const bytes = randomBytes(SMALL);
const ours = [];
let text = '';
for (let i = 0; i < 3; i++) {
  const r = timed(() => encodeBase58(bytes));
  ours.push(r.ms);
  text = r.value;
}
const oursDec = [];
for (let i = 0; i < 3; i++) oursDec.push(timed(() => decodeBase58(text)).ms);
const theirs = timed(() => bs58.encode(bytes));
check(theirs.value === text, 'bs58 encode');
const theirsDec = timed(() => bs58.decode(text));
check(Buffer.compare(Buffer.from(theirsDec.value), bytes) === 0, 'bs58 decode');
rows.push({
  case: `encode ${SMALL / 1000} KB`,
  first: ours[0],
  median: median(ours),
  bs58: theirs.ms,
});
rows.push({
  case: `decode ${SMALL / 1000} KB`,
  first: oursDec[0],
  median: median(oursDec),
  bs58: theirsDec.ms,
});

const header = ['case', 'first run', 'median of 3', 'bs58 (1 run)'];
const table = rows.map((r) => [r.case, fmt(r.first), fmt(r.median), fmt(r.bs58)]);
const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i].length)));
const line = (cells) => cells.map((c, i) => c.padEnd(widths[i])).join('  ');
console.log(line(header));
console.log(line(widths.map((w) => '-'.repeat(w))));
for (const row of table) console.log(line(row));
console.log(`\nnode ${process.version}; target: under 1000 ms for each 900 KB operation`);
