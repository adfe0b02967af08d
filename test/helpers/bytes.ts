/** Test data helpers. */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';

/**
 * `n` deterministic pseudo-random bytes (xorshift32 from `seed`): test data that looks
 * random, needs no CSPRNG and reproduces exactly when a test fails.
 */
export function xorshiftBytes(n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/**
 * Writes `a.bin` (a random block, then one block and 500 bytes more) and `b.bin` (the same
 * first block, then 7,000 bytes) with `file` naming where: two files whose trees share
 * exactly one data block, so gc must reclaim exactly the other's unshared blocks.
 */
export function writeFilesSharingABlock(file: (name: string) => string): {
  a: Buffer;
  b: Buffer;
} {
  const shared = randomBytes(262_144);
  const a = Buffer.concat([shared, randomBytes(262_144 + 500)]);
  const b = Buffer.concat([shared, randomBytes(7000)]);
  fs.writeFileSync(file('a.bin'), a);
  fs.writeFileSync(file('b.bin'), b);
  return { a, b };
}
