/**
 * Changing the readers of a group key (`groupkey update`, spec keys-and-groupkeys §5.9,
 * §7). Adding readers keeps the secret (same id): everything already encrypted becomes
 * readable to them without re-encryption. Removing anyone rotates the secret by default,
 * because removed members hold the old one.
 */
import { FormatError, UsageError } from '../errors.js';
import { generateGroupKey } from '../groupkey/generate.js';
import { bytesKey, type GroupKey } from '../groupkey/model.js';

/** What to change. Public keys are 32-byte X25519 keys. */
export interface GroupKeyUpdate {
  add?: readonly Uint8Array[];
  remove?: readonly Uint8Array[];
  /** Exactly this member set (replaces add/remove). */
  set?: readonly Uint8Array[];
  /** Force a new secret even when only adding. */
  rekey?: boolean;
  /** Keep the old secret even though members are removed (they can still read). */
  keepSecret?: boolean;
}

/** The updated key and a summary of what changed. */
export interface GroupKeyUpdateResult {
  groupKey: GroupKey;
  secret: Uint8Array;
  added: number;
  removed: number;
  /** True when the secret (and so the group key id) changed. */
  rotated: boolean;
  /** Public keys asked to be removed that were not members. */
  notMembers: number;
}

/**
 * Builds the updated group key. `secret` is the current secret (the caller must have
 * opened the key). The new member order is the old order minus removed, then added.
 * @param gk - the current group key
 * @param secret - its secret
 * @param change - members to add and remove
 * @param timestamp - Unix seconds of the new key (default now)
 * @returns the new group key and what changed
 * @throws {@link FormatError} for a key that cannot be a recipient
 */
export function updateGroupKey(
  gk: GroupKey,
  secret: Uint8Array,
  change: GroupKeyUpdate,
  timestamp?: number,
): GroupKeyUpdateResult {
  if (change.rekey && change.keepSecret)
    throw new UsageError('--rekey and --keep-secret contradict each other');
  const old = gk.recipients.map((r) => r.publicKey);
  const oldKeys = new Set(old.map(bytesKey));
  let next: Uint8Array[];
  let notMembers = 0;
  if (change.set) {
    next = dedupe(change.set);
  } else {
    const removeKeys = new Set((change.remove ?? []).map(bytesKey));
    for (const k of removeKeys) if (!oldKeys.has(k)) notMembers++;
    next = dedupe([...old.filter((pk) => !removeKeys.has(bytesKey(pk))), ...(change.add ?? [])]);
  }
  if (next.length === 0) throw new FormatError('the updated group key would have no recipients');
  const nextKeys = new Set(next.map(bytesKey));
  const added = [...nextKeys].filter((k) => !oldKeys.has(k)).length;
  const removed = [...oldKeys].filter((k) => !nextKeys.has(k)).length;
  const rotated = change.rekey === true || (removed > 0 && change.keepSecret !== true);
  const generated = generateGroupKey(next, {
    ...(rotated ? {} : { secret }),
    ...(timestamp !== undefined ? { timestamp } : {}),
  });
  return {
    groupKey: generated.groupKey,
    secret: generated.secret,
    added,
    removed,
    rotated,
    notMembers,
  };
}

function dedupe(keys: readonly Uint8Array[]): Uint8Array[] {
  const seen = new Set<string>();
  const out: Uint8Array[] = [];
  for (const k of keys) {
    const h = bytesKey(k);
    if (seen.has(h)) continue;
    seen.add(h);
    out.push(k);
  }
  return out;
}
