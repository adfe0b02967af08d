/** `hbs2 git log` and `hbs2 git fsck`: the chain explained, and the chain read in full. */
import { keyOf } from '../acb/model.js';
import { encodeBase58 } from '../codec/base58.js';
import { hashToString } from '../store/hash.js';
import type { FoundTx, TxVerdict } from './chain.js';
import type { RepoView } from './view.js';

/** One transaction as `log` shows it. */
export interface LogEntry {
  hash: string;
  height: number;
  time: number;
  author: string;
  parent: string | null;
  verdict: TxVerdict;
}

function describe(v: TxVerdict): string {
  switch (v.kind) {
    case 'canonical':
      return 'canonical';
    case 'lost':
      return `not canonical: lost to ${hashToString(v.winner)} (older)`;
    case 'invalid':
      return `invalid: ${v.reason}`;
    case 'orphan':
      return `not canonical: ${v.reason}`;
  }
}

/** Every transaction found, ordered by height, then time, then hash. */
export function repoLog(view: RepoView): LogEntry[] {
  const order = (a: FoundTx, b: FoundTx) =>
    a.tx.height - b.tx.height ||
    a.tx.time - b.tx.time ||
    hashToString(a.hash).localeCompare(hashToString(b.hash));
  return [...view.txs].sort(order).map((t) => ({
    hash: hashToString(t.hash),
    height: t.tx.height,
    time: t.tx.time,
    author: encodeBase58(t.author),
    parent: t.tx.parent ? hashToString(t.tx.parent) : null,
    verdict: view.chain.verdicts.get(keyOf(t.hash))!,
  }));
}

/** The text line of a log entry. */
export function formatLogEntry(e: LogEntry): string {
  const when = new Date(e.time * 1000).toISOString().replace('.000Z', 'Z');
  return `${e.hash} ${e.height} ${when} ${e.author} ${describe(e.verdict)}`;
}

/** A log entry as JSON shows it: the verdict's winning transaction in base58. */
export type LogEntryJson = Omit<LogEntry, 'verdict'> & {
  verdict: Exclude<TxVerdict, { kind: 'lost' }> | { kind: 'lost'; winner: string };
};

/**
 * The printable view of a log entry (`hbs2 git log --json`).
 * @param e - the entry
 * @returns the entry with a printable verdict
 */
export function logEntryJson(e: LogEntry): LogEntryJson {
  const v = e.verdict;
  return {
    ...e,
    verdict: v.kind === 'lost' ? { kind: v.kind, winner: encodeBase58(v.winner) } : v,
  };
}

/** What fsck read. */
export interface FsckReport {
  transactions: number;
  canonical: number;
  packs: number;
  bytes: number;
}

/**
 * Decrypts the refs record and pack of every canonical transaction (every block hashed,
 * every MAC checked); the first failure is thrown with the block it names.
 */
export async function fsckRepo(view: RepoView): Promise<FsckReport> {
  const report: FsckReport = {
    transactions: view.txs.length,
    canonical: view.chain.chain.length,
    packs: 0,
    bytes: 0,
  };
  for (const t of view.chain.chain) {
    await view.secrets.refsOf(t);
    if (!t.tx.pack) continue;
    for await (const part of view.secrets.read(t.tx.pack)) report.bytes += part.length;
    report.packs++;
  }
  return report;
}
