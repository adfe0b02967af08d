/** Finding the group secret with keyring entries (hbs2's `findSecretDefault`, spec §5.3). */
import { encodeBase58 } from '../codec/base58.js';
import { crypto } from '../crypto/index.js';
import { FormatError, IntegrityError, NoMatchingKeyError } from '../errors.js';
import type { Keyring, KeyringEntry } from '../keyring/keyring.js';
import { bytesKey, type GroupKey, type GroupKeyRecipient } from './model.js';
import { decodeSealedSecret, groupKeyId } from './secret.js';

/** A keyring to try, with the path it came from (for messages). */
export interface KeyringSource {
  path?: string;
  keyring: Keyring;
}

/**
 * The keyrings narrowed to their entries with encryption public key `publicKey` (hbs2's
 * `store -g … -P KEY`: use only that entry); keyrings left with no entry are dropped.
 * @param keyrings - the keyrings to narrow
 * @param publicKey - a 32-byte encryption public key
 * @returns the keyrings holding it, each with only that entry
 */
export function keyringsWithEntry(
  keyrings: readonly KeyringSource[],
  publicKey: Uint8Array,
): KeyringSource[] {
  const wanted = bytesKey(publicKey);
  return keyrings
    .map((k) => ({
      ...k,
      keyring: {
        ...k.keyring,
        entries: k.keyring.entries.filter((e) => bytesKey(e.publicKey) === wanted),
      },
    }))
    .filter((k) => k.keyring.entries.length > 0);
}

/** What opened a group key. */
export interface OpenedGroupKey {
  /** The 32-byte group secret. */
  secret: Uint8Array;
  /** The group key id computed from the secret. */
  id: Uint8Array;
  /** The keyring entry whose secret key opened it. */
  entry: KeyringEntry;
  /** Path of the keyring holding that entry, when given. */
  keyringPath: string | undefined;
}

/**
 * Opens a group key: tries every entry of every keyring in order (exact public key
 * lookup, then `crypto_box_seal_open`) and returns the first secret found. When the key
 * carries an id, it must match the secret (IntegrityError otherwise).
 *
 * Throws NoMatchingKeyError (listing the base58 public keys tried) when no entry is a
 * recipient, IntegrityError when an entry is a recipient but its box does not open (a
 * corrupt key), and FormatError when a box opens to something that is not a secret.
 * @param gk - the group key
 * @param keyrings - the keyrings to try
 * @returns the secret, its id and the entry that opened it
 * @throws {@link NoMatchingKeyError} when no entry is a recipient, {@link IntegrityError} when the secret does not match the id
 */
export function openGroupKey(gk: GroupKey, keyrings: readonly KeyringSource[]): OpenedGroupKey {
  const c = crypto();
  const byKey = new Map<string, GroupKeyRecipient>();
  for (const r of gk.recipients) byKey.set(bytesKey(r.publicKey), r);
  const tried: string[] = [];
  let corrupt: string | undefined;
  for (const { path, keyring } of keyrings) {
    for (const entry of keyring.entries) {
      const pkText = encodeBase58(entry.publicKey);
      tried.push(pkText);
      const rec = byKey.get(bytesKey(entry.publicKey));
      if (!rec) continue;
      const plaintext = c.sealedBoxOpen(rec.sealed, entry.publicKey, entry.secretKey);
      if (!plaintext) {
        corrupt ??= pkText;
        continue;
      }
      let secret: Uint8Array;
      try {
        secret = decodeSealedSecret(plaintext);
      } catch {
        throw new FormatError(
          `group key: the box sealed to ${pkText} does not hold a 32-byte secret`,
        );
      }
      const id = groupKeyId(secret, c);
      if (gk.id && bytesKey(gk.id) !== bytesKey(id))
        throw new IntegrityError(
          `group key id ${encodeBase58(gk.id)} does not match its secret (whose id is ${encodeBase58(id)})`,
        );
      return { secret, id, entry, keyringPath: path };
    }
  }
  if (corrupt !== undefined)
    throw new IntegrityError(
      `group key: the box sealed to ${corrupt} does not open (the group key or the keyring is corrupt)`,
    );
  if (tried.length === 0)
    throw new NoMatchingKeyError(
      'no keyring entry opens the group key (the keyrings hold no encryption keys)',
    );
  throw new NoMatchingKeyError('no keyring entry opens the group key', tried);
}

/**
 * Checks a group key's declared id against its secret when one of the keyrings opens it:
 * ids are written by whoever made the key, so only the secret can confirm one. Returns
 * true when the id was checked and matches; false when there was nothing to check with
 * (no id, or no keyring entry is a recipient). Throws IntegrityError `<what>: …` when
 * the id does not match the secret or a box sealed to one of the entries does not open,
 * and FormatError when a box opens to something that is not a secret.
 * @param gk - the group key
 * @param keyrings - keyrings that may open it
 * @param what - names the key in error messages
 * @returns whether the id was checked
 * @throws {@link IntegrityError} when the id does not match
 */
export function verifyGroupKeyId(
  gk: GroupKey,
  keyrings: readonly KeyringSource[],
  what: string,
): boolean {
  if (!gk.id || keyrings.length === 0) return false;
  try {
    openGroupKey(gk, keyrings);
    return true;
  } catch (e) {
    if (e instanceof NoMatchingKeyError) return false;
    if (e instanceof IntegrityError) throw new IntegrityError(`${what}: ${e.message}`);
    if (e instanceof FormatError) throw new FormatError(`${what}: ${e.message}`);
    throw e;
  }
}
