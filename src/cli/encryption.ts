/**
 * CLI glue for encrypted content: loading the keyrings to try, storing group keys
 * (recorded in the key index), and the decryptor `cat` and friends hand to the tree reader.
 */
import type { GroupKey, KeyringSource } from '../groupkey/index.js';
import { storeGroupKeyTree } from '../rotate/rotate.js';
import type { FoundSecret } from '../rotate/secrets.js';
import type { DecryptorOptions } from '../ops/content.js';
import type { ReadableBlockStore } from '../store/index.js';
import type { Hbs2Store } from '../store/open.js';
import type { CliContext } from './context.js';
import { loadKeyringsFromPaths } from './keyrings.js';
import { resolveKeyringPaths } from './settings.js';
import { info, warn } from './output.js';
import { encodeBase58 } from '../codec/base58.js';
import { workerPool } from '../parallel/pool.js';
import { sharedPool } from './shared-pool.js';

/** The keyrings to try: `-k` files, else the config's `keyrings`. */
export async function keyringSources(
  ctx: CliContext,
  given: readonly string[] | undefined,
): Promise<KeyringSource[]> {
  const paths = await resolveKeyringPaths(ctx, given);
  if (paths.length === 0) return [];
  return loadKeyringsFromPaths(paths);
}

/**
 * Stores a group key as its own tree from its exact CBOR bytes (so the hash matches what
 * hbs2 computes for the same file) and records it in the key index by id.
 */
export async function storeGroupKey(store: Hbs2Store, gk: GroupKey): Promise<Uint8Array> {
  return storeGroupKeyTree(store.blocks, store.keyIndex, gk);
}

/**
 * How the CLI reads encrypted trees (contentDecryptor's options): with the store's
 * key index, warnings on stderr and, for large trees, the process's worker pool.
 */
export function storeDecryptorOptions(
  store: ReadableBlockStore,
  onFound?: (f: FoundSecret) => void,
): DecryptorOptions {
  return {
    keyIndex: store.keyIndex,
    runner: () => sharedPool(() => workerPool()),
    onWarning: warn,
    onFound: (found) => {
      onFound?.(found);
      if (found.via === 'key-index')
        info(
          `opened through group key ${encodeBase58(found.openedGroupKeyHash)} (same group key id)`,
        );
    },
  };
}
