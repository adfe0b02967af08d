/**
 * The one decryption worker pool of a CLI process. It lives here, apart from the
 * encryption helpers that start it, so that main can close it after any command without
 * loading those helpers (and the library behind them) for commands that never use it.
 */
import type { BlockRunner } from '../parallel/pool.js';

let pool: BlockRunner | undefined;

/** The process's pool, started with `start` on first use. */
export function sharedPool(start: () => BlockRunner): BlockRunner {
  return (pool ??= start());
}

/** Stops the pool, if one was started (called once the command is done). */
export async function closeSharedPool(): Promise<void> {
  const p = pool;
  pool = undefined;
  await p?.close();
}
