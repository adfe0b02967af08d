/** The printable view of an ACB (`acb dump --json/--yaml`): keys in base58, writers merged. */
import { encodeBase58 } from '../codec/base58.js';
import { writersByKey, type Acb } from './model.js';

/** An ACB as JSON or YAML shows it. */
export interface AcbSummary {
  root: string | null;
  owners: string[];
  readers: string[];
  /** One entry per writer key, its ranges united (none: always authorised). */
  writers: Array<{ key: string; ranges: Array<{ from: number; to: number }> }>;
  prev: string | null;
}

/**
 * The printable view of an ACB: every key and hash in base58, each writer once.
 * @param acb - the access control block
 * @returns its summary
 */
export function summarizeAcb(acb: Acb): AcbSummary {
  return {
    root: acb.root ? encodeBase58(acb.root) : null,
    owners: acb.owners.map(encodeBase58),
    readers: acb.readers.map(encodeBase58),
    writers: writersByKey(acb.writers).map((w) => ({
      key: encodeBase58(w.key),
      ranges: w.ranges.map((r) => ({ from: r.from, to: r.to })),
    })),
    prev: acb.prev ? encodeBase58(acb.prev) : null,
  };
}
