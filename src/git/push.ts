/**
 * A push: checks each ref update against the canonical tip (fast-forward, lease, tags),
 * then writes one transaction — the new refs record and a thin pack of the objects the
 * chain lacks, both as encrypted trees — signs it and moves the writer's head ref. The
 * head moves last, so a push killed before that leaves the repository as it was.
 */
import { isWriterAuthorised, keyOf } from '../acb/model.js';
import { encodeBase58 } from '../codec/base58.js';
import type { KeyPair } from '../crypto/index.js';
import { Hbs2Error, NoMatchingKeyError } from '../errors.js';
import type { BlockRunner } from '../parallel/pool.js';
import { isAncestor, presentObjects, resolveName, type GitEnv } from './git-process.js';
import type { GitStores } from './repo.js';
import { storeTransaction, TipMoved } from './transaction.js';
import { openRepoView, type RepoView, type ViewOptions } from './view.js';

/** One `push` line of the remote helper protocol, parsed. */
export interface RefUpdateRequest {
  /** Local name or object id to push; null deletes `dst`. */
  src: string | null;
  /** The remote ref to update. */
  dst: string;
  /** `+` given or `--force`. */
  force: boolean;
}

/** The outcome for one ref, in the words git prints. */
export type RefOutcome = { dst: string; ok: true } | { dst: string; ok: false; reason: string };

/** Options of {@link pushRefs}. */
export interface PushOptions extends ViewOptions {
  /** The writer's signing key pair. */
  signer: KeyPair;
  git: GitEnv;
  updates: readonly RefUpdateRequest[];
  /** `--force-with-lease` expectations: ref → expected object id, or null for "absent". */
  leases?: ReadonlyMap<string, string | null>;
  dryRun?: boolean;
  atomic?: boolean;
  /** Encrypts pack blocks (a worker pool for large packs); default inline. */
  runner?: BlockRunner;
}

/** What a push did. */
export interface PushResult {
  outcomes: RefOutcome[];
  /** The transaction written, or null (nothing to write, dry run, or all rejected). */
  tx: Uint8Array | null;
}

/** A ref update that passed the checks. */
interface Accepted {
  dst: string;
  /** The new object id, or null for a delete. */
  oid: string | null;
}

/** Decides one update against the tip's refs; returns the reason for a rejection. */
async function checkUpdate(
  view: RepoView,
  git: GitEnv,
  u: RefUpdateRequest,
  oid: string | null,
  leases: ReadonlyMap<string, string | null> | undefined,
): Promise<string | null> {
  const old = view.tipRefs.refs.get(u.dst) ?? null;
  if (leases?.has(u.dst) && (leases.get(u.dst) ?? null) !== old) return 'stale info';
  if (oid === null) return old === null ? 'remote ref does not exist' : null;
  if (old === null || old === oid || u.force) return null;
  if (u.dst.startsWith('refs/tags/')) return 'already exists';
  if ((await presentObjects(git, [old])).size === 0) return 'fetch first';
  return (await isAncestor(git, old, oid)) ? null : 'non-fast forward';
}

/** HEAD after the push: kept while its target exists, else main, master or the first branch. */
function chooseHead(current: string | null, refs: ReadonlyMap<string, string>): string | null {
  if (current && refs.has(current)) return current;
  for (const name of ['refs/heads/main', 'refs/heads/master']) if (refs.has(name)) return name;
  return [...refs.keys()].filter((n) => n.startsWith('refs/heads/')).sort()[0] ?? null;
}

/** Thrown when another push won (the push is then told `fetch first`). */
class LostRace extends Hbs2Error {}

/**
 * Pushes `updates` to the repository `repoKey`. Rejected refs are reported, not thrown;
 * an error that stops the whole push (no key, store failure) is thrown.
 */
export async function pushRefs(
  stores: GitStores,
  repoKey: Uint8Array,
  opts: PushOptions,
): Promise<PushResult> {
  const view = await openRepoView(stores, repoKey, opts);
  const time = Math.max(opts.now, (view.tip?.tx.time ?? -1) + 1);
  if (!isWriterAuthorised(view.record.acb, opts.signer.publicKey, time))
    throw new NoMatchingKeyError(
      `key ${encodeBase58(opts.signer.publicKey)} may not push to repository ${encodeBase58(repoKey)} now`,
      [encodeBase58(opts.signer.publicKey)],
      { hint: 'the owner adds writers with `hbs2 git writers add`' },
    );

  const outcomes: RefOutcome[] = [];
  const accepted: Accepted[] = [];
  for (const u of opts.updates) {
    const oid = u.src === null ? null : await resolveName(opts.git, u.src);
    if (u.src !== null && oid === null) {
      outcomes.push({ dst: u.dst, ok: false, reason: 'src refspec does not match any object' });
      continue;
    }
    const reason = await checkUpdate(view, opts.git, u, oid, opts.leases);
    if (reason) outcomes.push({ dst: u.dst, ok: false, reason });
    else {
      outcomes.push({ dst: u.dst, ok: true });
      accepted.push({ dst: u.dst, oid });
    }
  }
  if (opts.atomic && outcomes.some((o) => !o.ok))
    return {
      outcomes: outcomes.map((o) =>
        o.ok ? { dst: o.dst, ok: false, reason: 'atomic push failed' } : o,
      ),
      tx: null,
    };
  const changes = accepted.filter((a) => (view.tipRefs.refs.get(a.dst) ?? null) !== a.oid);
  if (changes.length === 0 || opts.dryRun) return { outcomes, tx: null };

  try {
    const tx = await writeTransaction(stores, view, opts, changes, time);
    return { outcomes, tx };
  } catch (e) {
    if (!(e instanceof LostRace)) throw e;
    const lost = new Set(changes.map((c) => c.dst));
    return {
      outcomes: outcomes.map((o) =>
        lost.has(o.dst) ? { dst: o.dst, ok: false, reason: 'fetch first' } : o,
      ),
      tx: null,
    };
  }
}

/** Builds the new refs, and the pack of what the chain lacks, and stores the transaction. */
async function writeTransaction(
  stores: GitStores,
  view: RepoView,
  opts: PushOptions,
  changes: readonly Accepted[],
  time: number,
): Promise<Uint8Array> {
  const refs = new Map(view.tipRefs.refs);
  for (const c of changes) {
    if (c.oid === null) refs.delete(c.dst);
    else refs.set(c.dst, c.oid);
  }
  const include = changes.flatMap((x) => (x.oid === null ? [] : [x.oid]));
  // Exclude what the chain already holds (and we have): the pack is thin and incremental.
  const exclude =
    include.length > 0 ? await presentObjects(opts.git, view.tipRefs.refs.values()) : [];
  const txHash = await storeTransaction(stores, view, {
    ...opts,
    refs: { head: chooseHead(view.tipRefs.head, refs), refs },
    include,
    exclude: [...exclude],
    parent: view.tip,
    time,
  }).catch((e: unknown) => {
    throw e instanceof TipMoved ? new LostRace(e.message) : e;
  });
  // Another writer may have pushed on the same parent: the chain decides who won.
  const after = await openRepoView(stores, view.repoKey, opts);
  if (!after.tip || keyOf(after.tip.hash) !== keyOf(txHash))
    throw new LostRace('another push on the same parent won');
  return txHash;
}
