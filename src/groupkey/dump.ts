/** Human and machine descriptions of a group key (spec §5.8, cli.md `groupkey dump`). */
import { encodeBase58 } from '../codec/base58.js';
import type { GroupKey } from './model.js';

/**
 * hbs2's `Pretty` rendering of a group key, without the final newline the CLI adds:
 * a `; fancy group key` header with id, scheme and timestamp lines (a missing field is its
 * name followed by one space) or `; plain group key`, an empty line, then one
 * `member "<b58>"` line per recipient.
 */
export function formatGroupKeyDump(gk: GroupKey): string {
  const head: string[] = [];
  if (gk.version === 1) head.push('; plain group key');
  else {
    head.push('; fancy group key');
    head.push(`group-key-id ${gk.id ? encodeBase58(gk.id) : ''}`);
    head.push(`group-key-id-scheme ${gk.scheme ?? ''}`);
    head.push(`group-key-timestamp ${gk.timestamp === null ? '' : gk.timestamp.toString()}`);
  }
  const members = gk.recipients.map((r) => `member "${encodeBase58(r.publicKey)}"`);
  return head.join('\n') + '\n\n' + members.join('\n');
}

/** The `--json` / `--yaml` shape of `groupkey dump` (field names are the CLI contract). */
export interface GroupKeySummary {
  version: 1 | 2;
  id: string | null;
  scheme: string | null;
  timestamp: number | null;
  members: string[];
}

/**
 * The structured description of a group key. Timestamps beyond 2^53 (never written by a
 * real clock) are rounded to the nearest double, as JSON numbers would be anyway.
 * @param gk - the group key
 * @returns its description
 */
export function summarizeGroupKey(gk: GroupKey): GroupKeySummary {
  return {
    version: gk.version,
    id: gk.id ? encodeBase58(gk.id) : null,
    scheme: gk.scheme,
    timestamp: gk.timestamp === null ? null : Number(gk.timestamp),
    members: gk.recipients.map((r) => encodeBase58(r.publicKey)),
  };
}
