/**
 * Running a piece of a test under a given crypto backend. The library takes its backend
 * one way only — the one selected with `useCrypto`/`selectCrypto` — so cross-backend
 * tests select each in turn and put the previous one back.
 */
import { crypto, useCrypto, type CryptoProvider } from '../../src/crypto/index.js';

/** Runs `fn` with `provider` selected, then selects the previous backend again. */
export function withCrypto<T>(provider: CryptoProvider, fn: () => T): T {
  const previous = crypto();
  useCrypto(provider);
  try {
    return fn();
  } finally {
    useCrypto(previous);
  }
}
