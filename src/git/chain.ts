/**
 * The canonical chain of pushes (git-lbry's rule): a pure function of the transactions a
 * reader found, the repository's ACB, the owner's deleted list and checkpoint, the time
 * and the allowed clock skew. Every reader given the same inputs computes the same chain.
 */
import { isWriterAuthorised, keyOf, type Acb } from '../acb/model.js';
import { compareBytes } from '../refs/lwwref.js';
import type { Transaction } from './codec.js';

/** A transaction as found in the store. */
export interface FoundTx {
  /** Hash of the block holding the signed transaction. */
  hash: Uint8Array;
  /** The signing key of its box (the author). */
  author: Uint8Array;
  /** Whether the box's signature verified. */
  signatureValid: boolean;
  tx: Transaction;
}

/** Why a transaction is or is not on the chain. */
export type TxVerdict =
  | { kind: 'canonical' }
  /** Valid, but a sibling with an older time (or equal time and lower hash) won. */
  | { kind: 'lost'; winner: Uint8Array }
  /** Breaks a rule by itself. */
  | { kind: 'invalid'; reason: string }
  /** Valid by itself, but its parent is not canonical. */
  | { kind: 'orphan'; reason: string };

/** Everything the chain depends on. */
export interface ChainInput {
  txs: readonly FoundTx[];
  /** The repository key every transaction must name. */
  repo: Uint8Array;
  acb: Acb;
  deleted: readonly Uint8Array[];
  checkpoint: Uint8Array | null;
  /** Unix seconds. */
  now: number;
  /** Seconds a transaction may be dated after `now` (clocks differ). */
  skew: number;
}

/** The chain, oldest first, and a verdict for every transaction given. */
export interface ChainResult {
  chain: FoundTx[];
  verdicts: Map<string, TxVerdict>;
  /** Set when the checkpoint could not be used (not found, or its ancestry incomplete). */
  checkpointIgnored?: string;
}

/** Default clock skew accepted for a transaction's time, in seconds. */
export const DEFAULT_SKEW_SECONDS = 300;

const ROOT = 'root';

/** Older time first; equal times: lower hash first. */
function byAge(a: FoundTx, b: FoundTx): number {
  return a.tx.time - b.tx.time || compareBytes(a.hash, b.hash);
}

/**
 * The rule a transaction breaks by itself (given its parent, null for a first push), or
 * null when it breaks none. `parent` undefined: the parent is named but was not found.
 */
export function ownRuleBroken(
  t: FoundTx,
  parent: FoundTx | null | undefined,
  input: Pick<ChainInput, 'repo' | 'acb' | 'now' | 'skew'> & { deleted: ReadonlySet<string> },
): string | null {
  const { tx } = t;
  if (!t.signatureValid) return 'bad signature';
  if (keyOf(tx.repo) !== keyOf(input.repo)) return 'signed for another repository';
  if (input.deleted.has(keyOf(t.hash))) return 'deleted by the owner';
  if (!isWriterAuthorised(input.acb, t.author, tx.time))
    return `its author is not a writer at time ${tx.time}`;
  if (tx.time > input.now + input.skew) return `dated ${tx.time - input.now} s in the future`;
  if (parent === undefined) return 'its parent is not in the store';
  if (parent !== null && tx.time <= parent.tx.time) return 'not dated after its parent';
  const height = parent === null ? 0 : parent.tx.height + 1;
  if (tx.height !== height) return `height ${tx.height}, expected ${height}`;
  return null;
}

/** The transactions from the first push down to `tip` following parents, or a reason. */
function ancestry(tip: FoundTx, byHash: Map<string, FoundTx>): FoundTx[] | string {
  const path: FoundTx[] = [];
  const seen = new Set<string>();
  for (let t: FoundTx | undefined = tip; t;) {
    const id = keyOf(t.hash);
    if (seen.has(id)) return 'its ancestry has a cycle';
    seen.add(id);
    if (!t.signatureValid) return 'its ancestry has a bad signature';
    path.push(t);
    if (t.tx.parent === null) return path.reverse();
    t = byHash.get(keyOf(t.tx.parent));
    if (!t) return 'its ancestry is incomplete';
  }
  return 'unreachable';
}

/**
 * Computes the canonical chain. Rules: a transaction is valid when its signature and
 * repository match, it is not deleted, its author is an ACB writer whose range contains
 * its time, its time is at most `skew` after `now` and after its parent's, its height is
 * its parent's + 1 (0 without parent), and its parent is canonical. Among valid children
 * of one parent the oldest time wins, the lowest hash breaking ties. Up to the checkpoint
 * the chain is the checkpoint's ancestry, whatever the rules say now.
 */
export function canonicalChain(input: ChainInput): ChainResult {
  const byHash = new Map<string, FoundTx>();
  for (const t of input.txs) byHash.set(keyOf(t.hash), t);
  const children = new Map<string, FoundTx[]>();
  for (const t of byHash.values()) {
    const p = t.tx.parent === null ? ROOT : keyOf(t.tx.parent);
    const list = children.get(p) ?? [];
    list.push(t);
    children.set(p, list);
  }
  const rules = { ...input, deleted: new Set(input.deleted.map(keyOf)) };
  const verdicts = new Map<string, TxVerdict>();
  const chain: FoundTx[] = [];
  const result: ChainResult = { chain, verdicts };

  // The checkpoint's ancestry is fixed: its siblings never win, later rules never drop it.
  if (input.checkpoint) {
    const cp = byHash.get(keyOf(input.checkpoint));
    const path = cp ? ancestry(cp, byHash) : 'it is not in the store';
    if (typeof path === 'string') result.checkpointIgnored = path;
    else
      for (const t of path) {
        const fixed = chain.at(-1);
        for (const sibling of children.get(fixed ? keyOf(fixed.hash) : ROOT) ?? [])
          if (sibling !== t)
            verdicts.set(keyOf(sibling.hash), {
              kind: 'orphan',
              reason: 'at or below the checkpoint, not on its chain',
            });
        verdicts.set(keyOf(t.hash), { kind: 'canonical' });
        chain.push(t);
      }
  }

  for (;;) {
    const parent = chain.at(-1) ?? null;
    const kids = children.get(parent ? keyOf(parent.hash) : ROOT) ?? [];
    const valid: FoundTx[] = [];
    for (const kid of kids) {
      const broken = ownRuleBroken(kid, parent, rules);
      if (broken === null) valid.push(kid);
      else verdicts.set(keyOf(kid.hash), { kind: 'invalid', reason: broken });
    }
    if (valid.length === 0) break;
    valid.sort(byAge);
    const winner = valid[0]!;
    for (const loser of valid.slice(1))
      verdicts.set(keyOf(loser.hash), { kind: 'lost', winner: winner.hash });
    verdicts.set(keyOf(winner.hash), { kind: 'canonical' });
    chain.push(winner);
  }

  // Everything else: a rule it breaks by itself, or the parent that is not canonical.
  for (const t of byHash.values()) {
    const id = keyOf(t.hash);
    if (verdicts.has(id)) continue;
    const parent = t.tx.parent === null ? null : byHash.get(keyOf(t.tx.parent));
    const broken = ownRuleBroken(t, parent, rules);
    verdicts.set(
      id,
      broken !== null
        ? { kind: 'invalid', reason: broken }
        : { kind: 'orphan', reason: 'its parent is not canonical' },
    );
  }
  return result;
}
