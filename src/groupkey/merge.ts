/** Merging group keys that hold the same secret (spec §5.6, restricted as cli.md asks). */
import { encodeBase58 } from '../codec/base58.js';
import { FormatError } from '../errors.js';
import { bytesKey, type GroupKey, type GroupKeyRecipient } from './model.js';

function later(a: bigint | number | null, b: bigint | number | null): bigint | number | null {
  if (a === null) return b;
  if (b === null) return a;
  return BigInt(b) > BigInt(a) ? b : a;
}

/**
 * The union of the recipients of group keys that hold the same secret. hbs2's monoid
 * merges blindly, which silently loses readers when the secrets differ; without a key we
 * cannot see the secrets, so the ids must be present and equal (FormatError otherwise).
 * The union is left-biased (the first key holding a public key keeps its box, in the
 * first key's order), scheme and id come from the last key that has them, and the
 * timestamp is the latest.
 *
 * @param names optional labels (file names) used in error messages, one per key.
 * @param keys - group keys holding one secret
 * @param names - names of the keys for messages
 * @returns the merged group key
 * @throws {@link FormatError} when the ids are missing or differ
 */
export function mergeGroupKeys(keys: readonly GroupKey[], names?: readonly string[]): GroupKey {
  const label = (i: number): string => names?.[i] ?? `group key ${i + 1}`;
  if (keys.length === 0) throw new FormatError('no group keys to merge');
  keys.forEach((k, i) => {
    if (!k.id)
      throw new FormatError(
        `${label(i)}: has no group key id, so it cannot be shown to hold the same secret`,
      );
  });
  const first = keys[0]!;
  const firstId = bytesKey(first.id!);
  keys.forEach((k, i) => {
    if (bytesKey(k.id!) !== firstId)
      throw new FormatError(
        `${label(i)} holds a different secret than ${label(0)} (group key id ${encodeBase58(k.id!)} ≠ ${encodeBase58(first.id!)})`,
        { hint: 'only keys with the same group key id can be merged' },
      );
  });
  const recipients: GroupKeyRecipient[] = [];
  const seen = new Set<string>();
  let scheme = first.scheme;
  let timestamp = first.timestamp;
  for (const k of keys) {
    for (const r of k.recipients) {
      const pk = bytesKey(r.publicKey);
      if (seen.has(pk)) continue;
      seen.add(pk);
      recipients.push({ publicKey: r.publicKey, sealed: r.sealed });
    }
    scheme = k.scheme ?? scheme;
    timestamp = later(timestamp, k.timestamp);
  }
  return { version: 2, recipients, scheme, id: new Uint8Array(first.id!), timestamp };
}
