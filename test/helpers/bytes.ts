/** Test data helpers. */

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
