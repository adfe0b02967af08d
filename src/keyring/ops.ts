/**
 * Pure operations on a decoded keyring: adding an entry under a key id, choosing the
 * entry a user means by id or public key, removing it. Nothing here touches files;
 * every function returns a new value and leaves its input as it was.
 */
import { decodeBase58, encodeBase58 } from '../codec/base58.js';
import type { KeyPair } from '../crypto/index.js';
import { FormatError, NotFoundError, UsageError } from '../errors.js';
import { generateEntry, type Keyring, type KeyringEntry } from './keyring.js';

/** Shortest public-key prefix accepted as a selector (shorter ones match too easily). */
export const MIN_PUBKEY_PREFIX = 6;

/** Longest key id accepted; ids are labels, not documents. */
export const MAX_KEY_ID_LENGTH = 256;

/**
 * Characters a key id may not hold: C0 and C1 controls, DEL and the Unicode line and
 * paragraph separators. A newline in an id printed by `keyring pubs` would start a line
 * of its own, read back as one more recipient.
 */
// eslint-disable-next-line no-control-regex
const KEY_ID_CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
const KEY_ID_CONTROL_GLOBAL = new RegExp(KEY_ID_CONTROL.source, 'g');

/**
 * A key id (entry description) as printed on one line: every control character (see
 * `KEY_ID_CONTROL`) is escaped as `\n`, `\r`, `\t` or `\u{…}`. Descriptions read from a
 * keyring file are not trusted to be clean; printing this way keeps one entry per line.
 */
export function printableKeyId(id: string): string {
  return id.replace(KEY_ID_CONTROL_GLOBAL, (c) => {
    if (c === '\n') return '\\n';
    if (c === '\r') return '\\r';
    if (c === '\t') return '\\t';
    return `\\u{${c.codePointAt(0)!.toString(16)}}`;
  });
}

/**
 * Refuses to write a keyring whose entries carry key ids with control characters (only
 * a hand-made or hostile file holds them; the toolkit never writes one). FormatError
 * `<what>: keyring entry <n>: …` (exit 3).
 */
export function checkKeyIdsForWriting(k: Keyring, what: string): void {
  k.entries.forEach((e, i) => {
    if (e.description !== null && KEY_ID_CONTROL.test(e.description))
      throw new FormatError(`${what}: keyring entry ${i + 1}: key id contains control characters`, {
        hint: `remove that entry with: hbs2 keyring del ${encodeBase58(e.publicKey)} FILE`,
      });
  });
}

/**
 * Checks a key id given by a user: non-empty, bounded, no control characters (they would
 * break the one-line-per-entry listings) and no leading/trailing spaces (invisible there).
 * Throws UsageError otherwise.
 */
export function validateKeyId(id: string): void {
  if (id.length === 0) throw new UsageError('key id must not be empty');
  if (id.length > MAX_KEY_ID_LENGTH)
    throw new UsageError(
      `key id is too long (${id.length} characters, limit ${MAX_KEY_ID_LENGTH})`,
    );
  if (KEY_ID_CONTROL.test(id)) throw new UsageError('key id must not contain control characters');
  if (id.trim() !== id) throw new UsageError('key id must not start or end with spaces');
}

/** The result of {@link addEntry}. */
export interface AddResult {
  keyring: Keyring;
  /** The entry that was appended. */
  entry: KeyringEntry;
}

/**
 * Appends `entry` (a fresh curve25519 pair when omitted) labelled `keyId`. A key id
 * already used by another entry is a UsageError, since later selection by id would be
 * ambiguous.
 * @param k - the keyring (changed in place)
 * @param keyId - a label for the entry, or null
 * @param entry - the entry to add; default a fresh key pair
 * @returns the entry added and whether it was new
 * @throws {@link UsageError} when another entry has the key id
 */
export function addEntry(k: Keyring, keyId: string | null, entry?: KeyringEntry): AddResult {
  if (keyId !== null) {
    validateKeyId(keyId);
    if (k.entries.some((e) => e.description === keyId))
      throw new UsageError(`key id '${keyId}' is already used in this keyring`, {
        hint: 'choose another id with -n, or delete the old entry first',
      });
  }
  const added: KeyringEntry = entry ? { ...entry, description: keyId } : generateEntry(keyId);
  return { keyring: { ...k, entries: [...k.entries, added] }, entry: added };
}

/** How a selector matched in {@link selectEntries}. */
export type MatchKind = 'id' | 'public-key' | 'prefix';

/** The result of {@link selectEntries}: the indexes of the chosen entries. */
export interface Selection {
  kind: MatchKind;
  /** Indexes into `entries`; several only when they hold the same public key (duplicates). */
  indexes: number[];
}

/**
 * Finds the entry a selector names, in this order: an entry whose key id equals it; an
 * entry whose base58 public key equals it; the entry whose public key starts with it
 * (at least {@link MIN_PUBKEY_PREFIX} characters, and only one distinct key may match).
 * Unknown → NotFoundError; ambiguous → UsageError.
 * @param k - the keyring
 * @param selector - key id, public key or prefix
 * @returns the matching entries and how they matched
 * @throws {@link NotFoundError} or {@link UsageError} as above
 */
export function selectEntries(k: Keyring, selector: string): Selection {
  if (selector.length === 0) throw new UsageError('empty key id or public key');
  const byId = indexesWhere(k, (e) => e.description === selector);
  if (byId.length === 1) return { kind: 'id', indexes: byId };
  if (byId.length > 1)
    throw new UsageError(`key id '${selector}' names ${byId.length} entries`, {
      hint: 'select the entry by its public key instead',
    });
  const pubs = k.entries.map((e) => encodeBase58(e.publicKey));
  const exact = indexesWhere(k, (_e, i) => pubs[i] === selector);
  if (exact.length > 0) return { kind: 'public-key', indexes: exact };
  if (selector.length >= MIN_PUBKEY_PREFIX) {
    const prefixed = indexesWhere(k, (_e, i) => pubs[i]!.startsWith(selector));
    const distinct = new Set(prefixed.map((i) => pubs[i]));
    if (distinct.size > 1)
      throw new UsageError(`'${selector}' is a prefix of ${distinct.size} public keys`, {
        hint: 'give more characters of the public key',
      });
    if (prefixed.length > 0) return { kind: 'prefix', indexes: prefixed };
  }
  throw new NotFoundError(`no entry with key id or public key '${selector}' in the keyring`, {
    hint:
      selector.length < MIN_PUBKEY_PREFIX
        ? `public key prefixes need at least ${MIN_PUBKEY_PREFIX} characters`
        : "see the entries with 'hbs2 keyring list FILE'",
  });
}

function indexesWhere(k: Keyring, pred: (e: KeyringEntry, i: number) => boolean): number[] {
  const out: number[] = [];
  k.entries.forEach((e, i) => {
    if (pred(e, i)) out.push(i);
  });
  return out;
}

/** The result of {@link removeEntry}. */
export interface RemoveResult {
  keyring: Keyring;
  /** The removed entries (more than one only for exact duplicates of a public key). */
  removed: KeyringEntry[];
  kind: MatchKind;
}

/**
 * Removes the entry named by `selector` (see {@link selectEntries}).
 * @param k - the keyring (changed in place)
 * @param selector - key id, public key or prefix
 * @returns the removed entry
 * @throws {@link NotFoundError} or {@link UsageError} as for {@link selectEntries}
 */
export function removeEntry(k: Keyring, selector: string): RemoveResult {
  const sel = selectEntries(k, selector);
  const drop = new Set(sel.indexes);
  return {
    keyring: { ...k, entries: k.entries.filter((_e, i) => !drop.has(i)) },
    removed: k.entries.filter((_e, i) => drop.has(i)),
    kind: sel.kind,
  };
}

/** True when the keyring's signing public key equals `signKey`. */
export function hasSignKey(k: Keyring, signKey: Uint8Array): boolean {
  if (k.signPublicKey.length !== signKey.length) return false;
  return k.signPublicKey.every((b, i) => b === signKey[i]);
}

/**
 * Whether one of the keyring's entries has the encryption public key `publicKey`.
 * @param k - the keyring
 * @param publicKey - a curve25519 public key
 * @returns true when the keyring holds its secret key
 */
export function holdsEncryptionKey(k: Keyring, publicKey: Uint8Array): boolean {
  return k.entries.some(
    (e) =>
      e.publicKey.length === publicKey.length && e.publicKey.every((b, i) => b === publicKey[i]),
  );
}

/**
 * The first of `keyrings` whose signing public key is `signKey`: the one that may sign
 * what is named by that key (an lwwref, a repository).
 * @param keyrings - loaded keyrings, with or without their paths
 * @param signKey - the ed25519 signing public key looked for
 * @returns that keyring's item, or undefined when none holds the key
 */
export function findBySignKey<T extends { keyring: Keyring }>(
  keyrings: readonly T[],
  signKey: Uint8Array,
): T | undefined {
  return keyrings.find((k) => hasSignKey(k.keyring, signKey));
}

/**
 * The signing key pair of a keyring, in the form signers take.
 * @param k - the keyring
 * @returns its ed25519 public and secret signing keys
 */
export function signingKeyPair(k: Keyring): KeyPair {
  return { publicKey: k.signPublicKey, secretKey: k.signSecretKey };
}

/**
 * Decodes a base58 key argument of exactly 32 bytes; FormatError naming `argName`
 * otherwise (the text itself is public, but is not echoed to keep messages short).
 */
export function parseKeyArgument(text: string, argName: string): Uint8Array {
  let bytes: Uint8Array;
  try {
    bytes = decodeBase58(text.trim(), argName);
  } catch {
    throw new FormatError(`${argName}: not a base58 key`);
  }
  if (bytes.length !== 32)
    throw new FormatError(`${argName}: key must be 32 bytes, got ${bytes.length}`);
  return bytes;
}

/** The public, printable view of a keyring (never secret keys). */
export interface KeyringSummary {
  signKey: string;
  entries: Array<{ id: string | null; type: 'curve25519'; publicKey: string }>;
}

/**
 * Builds the `keyring list --json` document.
 * @param k - the keyring
 * @returns its public description (no secrets)
 */
export function summarizeKeyring(k: Keyring): KeyringSummary {
  return {
    signKey: encodeBase58(k.signPublicKey),
    entries: k.entries.map((e) => ({
      id: e.description,
      type: e.type,
      publicKey: encodeBase58(e.publicKey),
    })),
  };
}

/**
 * hbs2's `keyring list` text: `sign-key:  <b58>`, then one `pub-key:   <b58>` line per
 * entry, each followed by two spaces and the key id when set (escaped by
 * {@link printableKeyId}). As in hbs2, an empty
 * keyring prints one extra empty line (the empty entry list still follows a line break).
 */
export function formatKeyringListing(k: Keyring): string {
  const s = summarizeKeyring(k);
  const lines = [`sign-key:  ${s.signKey}`];
  for (const e of s.entries)
    lines.push(`pub-key:   ${e.publicKey}${e.id !== null ? `  ${printableKeyId(e.id)}` : ''}`);
  if (s.entries.length === 0) lines.push('');
  return lines.join('\n') + '\n';
}

/**
 * `keyring pubs` lines: one public key per entry, `  # <key-id>` appended when set (key
 * ids escaped by {@link printableKeyId}, so each entry stays one line).
 */
export function formatPubsLines(k: Keyring): string[] {
  return k.entries.map((e) => {
    const pub = encodeBase58(e.publicKey);
    return e.description !== null ? `${pub}  # ${printableKeyId(e.description)}` : pub;
  });
}
