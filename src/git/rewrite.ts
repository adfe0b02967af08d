/**
 * `readers remove --rewrite-history`: the whole history re-published for the current group
 * key as one new first transaction by the owner, every earlier transaction deleted, the
 * new one made the checkpoint, and the earlier encrypted trees removed from this store. It
 * protects only copies made from this store afterwards: whatever a removed reader (or a
 * synced copy) already has stays readable.
 */
import { isWriterAuthorised } from '../acb/model.js';
import type { KeyPair } from '../crypto/index.js';
import { UsageError } from '../errors.js';
import type { BlockRunner } from '../parallel/pool.js';
import { collectDeps } from '../tree/deps.js';
import { updateRecord } from './admin.js';
import { fetchObjects } from './fetch.js';
import type { GitEnv } from './git-process.js';
import type { GitStores } from './repo.js';
import { storeTransaction } from './transaction.js';
import { openRepoView, type ViewOptions } from './view.js';

/** What a rewrite did. */
export interface RewriteResult {
  /** The new first transaction, or null when the repository had no push. */
  tx: Uint8Array | null;
  /** Earlier transactions deleted. */
  deleted: number;
  /** Blocks of earlier refs records and packs removed from the store. */
  removedBlocks: number;
}

/**
 * Re-publishes the canonical tip's refs and every object they reach, encrypted for the
 * record's current group key. `git` is a scratch repository (a new bare one) the objects
 * are fetched into; the owner's keyrings must read the old history and the owner must be
 * a writer now.
 */
export async function rewriteHistory(
  stores: GitStores,
  owner: KeyPair,
  git: GitEnv,
  opts: ViewOptions & { runner?: BlockRunner },
): Promise<RewriteResult> {
  const view = await openRepoView(stores, owner.publicKey, opts);
  if (!view.tip) return { tx: null, deleted: 0, removedBlocks: 0 };
  if (!isWriterAuthorised(view.record.acb, owner.publicKey, opts.now))
    throw new UsageError('rewriting history needs the owner to be a writer now', {
      hint: 'hbs2 git writers add -k OWNER.key REPO OWNER-SIGN-KEY',
    });
  const tips = [...view.tipRefs.refs.values()];
  await fetchObjects(view, git, tips);
  const tx = await storeTransaction(stores, view, {
    ...opts,
    signer: owner,
    git,
    refs: view.tipRefs,
    include: tips,
    exclude: [],
    parent: null,
    time: opts.now,
  });
  const old = view.txs;
  await updateRecord(stores, owner, (r) => ({
    ...r,
    deleted: [...r.deleted, ...old.map((t) => t.hash)],
    checkpoint: tx,
  }));
  let removedBlocks = 0;
  for (const t of old)
    for (const tree of [t.tx.refs, t.tx.pack])
      if (tree)
        for await (const dep of collectDeps(stores.blocks, tree))
          // Group keys are shared with the new history; everything else was this tree's.
          if (dep.present && dep.role !== 'group-key' && (await stores.blocks.del(dep.hash)))
            removedBlocks++;
  return { tx, deleted: old.length, removedBlocks };
}
