/**
 * What a client of the repository sees at one moment: the record, every transaction
 * found, the canonical chain and the refs at its tip (decrypted).
 */
import type { KeyringSource } from '../groupkey/open.js';
import type { BlockRunner } from '../parallel/pool.js';
import type { RefsRecord } from './codec.js';
import type { ChainResult, FoundTx } from './chain.js';
import {
  loadRepo,
  loadTransactions,
  repoChain,
  RepoSecrets,
  type GitStores,
  type LoadedRepo,
} from './repo.js';

/** A repository as computed for one client. */
export interface RepoView extends LoadedRepo {
  repoKey: Uint8Array;
  txs: FoundTx[];
  chain: ChainResult;
  /** The canonical tip, or null before the first push. */
  tip: FoundTx | null;
  /** The refs at the tip (empty before the first push). */
  tipRefs: RefsRecord;
  secrets: RepoSecrets;
}

/** Options of {@link openRepoView}. */
export interface ViewOptions {
  keyrings: readonly KeyringSource[];
  /** Unix seconds. */
  now: number;
  skew: number;
  /** Decrypt the tip's refs record (default true); false needs no keyring. */
  decryptTip?: boolean;
  /** Decrypts large trees (packs) in a worker pool; default inline. */
  runner?: BlockRunner;
}

/** Loads the repository, computes its chain and decrypts the tip's refs. */
export async function openRepoView(
  stores: GitStores,
  repoKey: Uint8Array,
  opts: ViewOptions,
): Promise<RepoView> {
  const loaded = await loadRepo(stores, repoKey);
  const txs = await loadTransactions(stores, repoKey, loaded.record);
  const chain = repoChain(repoKey, loaded.record, txs, opts.now, opts.skew);
  const secrets = new RepoSecrets(stores.blocks, loaded.record, opts.keyrings, opts.runner);
  const tip = chain.chain.at(-1) ?? null;
  const tipRefs =
    tip && opts.decryptTip !== false
      ? await secrets.refsOf(tip)
      : { head: null, refs: new Map<string, string>() };
  return { ...loaded, repoKey, txs, chain, tip, tipRefs, secrets };
}
