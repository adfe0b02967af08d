/**
 * A fetch: walks the canonical chain from its first push and gives `git index-pack` the
 * decrypted pack of every transaction whose refs the local repository lacks. Packs are
 * thin against their parents, so they are applied in chain order.
 */
import type { GitEnv } from './git-process.js';
import { indexPack, presentObjects } from './git-process.js';
import type { RepoView } from './view.js';

/** What a fetch did. */
export interface FetchResult {
  /** Packs given to git. */
  applied: number;
}

/**
 * Makes every object of `wanted` (and of the chain below them) present locally. Stops
 * early when they all are; a pack that fails to decrypt or verify stops the fetch with
 * its error, and git keeps nothing of that pack.
 */
export async function fetchObjects(
  view: RepoView,
  git: GitEnv,
  wanted: readonly string[],
): Promise<FetchResult> {
  let applied = 0;
  const allPresent = async (oids: readonly string[]) =>
    (await presentObjects(git, oids)).size === new Set(oids).size;
  if (await allPresent(wanted)) return { applied };
  for (const t of view.chain.chain) {
    if (!t.tx.pack) continue;
    const refs = await view.secrets.refsOf(t);
    if (await allPresent([...refs.refs.values()])) continue;
    await indexPack(git, view.secrets.read(t.tx.pack));
    applied++;
    if (await allPresent(wanted)) break;
  }
  return { applied };
}
