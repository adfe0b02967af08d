/**
 * hbs2 credentials ("keyring") files: one Ed25519 signing key pair plus a list of typed
 * X25519 encryption key pairs (spec keys-and-groupkeys §3).
 */
import { CborReader, CborWriter } from '../codec/cbor.js';
import { readNewtypeBytes, writeList, writeMaybe, writeNewtypeBytes } from '../codec/hbs2.js';
import { CREDENTIALS_HEADER, formatArmored, parseArmored } from '../codec/armor.js';
import { sniffFileKind, wrongKindMessage } from '../codec/file-kind.js';
import { crypto } from '../crypto/index.js';
import { FormatError } from '../errors.js';

/** One encryption key pair. `description` holds the toolkit's key id. */
export interface KeyringEntry {
  /** The entry's type; hbs2 keyrings only hold curve25519 encryption keys. */
  type: 'curve25519';
  publicKey: Uint8Array;
  secretKey: Uint8Array;
  /** hbs2's `Maybe Text` description; the toolkit stores key ids here. */
  description: string | null;
}

/** A decoded credentials file. */
export interface Keyring {
  /** Ed25519 secret key, libsodium layout: seed ‖ public key (64 bytes). */
  signSecretKey: Uint8Array;
  /** Ed25519 public key (32 bytes). */
  signPublicKey: Uint8Array;
  entries: KeyringEntry[];
}

/** Most entries a keyring may hold; bounds memory on hostile input. */
export const MAX_KEYRING_ENTRIES = 100_000;

/** Encodes a keyring as hbs2's `PeerCredentials` CBOR. */
export function encodeKeyring(k: Keyring): Uint8Array {
  const w = new CborWriter(128 + 80 * k.entries.length);
  w.array(4).int(0);
  writeNewtypeBytes(w, k.signSecretKey);
  writeNewtypeBytes(w, k.signPublicKey);
  writeList(w, k.entries, (w, e) => {
    w.array(4).int(0);
    writeNewtypeBytes(w, e.publicKey);
    writeNewtypeBytes(w, e.secretKey);
    writeMaybe(w, e.description, (w, d) => w.text(d));
  });
  return w.finish();
}

/** Decodes `PeerCredentials` CBOR (trailing bytes ignored, as hbs2 does). */
export function decodeKeyring(bytes: Uint8Array, what = 'keyring'): Keyring {
  const r = new CborReader(bytes, what);
  r.record(3, 'credentials');
  const signSecretKey = readNewtypeBytes(r, 'signing secret key', 64);
  const signPublicKey = readNewtypeBytes(r, 'signing public key', 32);
  const entries = r.list((r): KeyringEntry => {
    r.record(3, 'keyring entry');
    const publicKey = readNewtypeBytes(r, 'encryption public key', 32);
    const secretKey = readNewtypeBytes(r, 'encryption secret key', 32);
    const description = r.maybe((r) => r.text());
    return {
      type: 'curve25519',
      publicKey: copy(publicKey),
      secretKey: copy(secretKey),
      description,
    };
  }, MAX_KEYRING_ENTRIES);
  return { signSecretKey: copy(signSecretKey), signPublicKey: copy(signPublicKey), entries };
}

function copy(a: Uint8Array): Uint8Array {
  return new Uint8Array(a);
}

/**
 * The credentials file text exactly as hbs2 writes it.
 * @param k - the keyring
 * @returns the file text (it holds secret keys: keep it private)
 */
export function formatKeyringFile(k: Keyring): string {
  return formatArmored(CREDENTIALS_HEADER, true, encodeKeyring(k));
}

/**
 * Parses a credentials file: hbs2's base58 route (tolerating CRLF, surrounding spaces and
 * comment lines anywhere), falling back to raw CBOR as hbs2 does (spec §3.4).
 * @param data - the file's bytes or text
 * @param what - names the file in error messages (never its content)
 * @returns the keyring
 * @throws {@link FormatError} when it is not a keyring
 */
export function parseKeyringFile(data: Uint8Array | string, what = 'keyring'): Keyring {
  const text =
    typeof data === 'string' ? data : new TextDecoder('utf-8', { fatal: false }).decode(data);
  let armorError: unknown;
  try {
    return decodeKeyring(parseArmored(text, what).bytes, what);
  } catch (e) {
    armorError = e;
  }
  if (typeof data !== 'string' && data.length > 0 && (data[0]! & 0xe0) === 0x80) {
    try {
      return decodeKeyring(data, what);
    } catch {
      // Fall through to the base58 route's error, which is the more useful one.
    }
  }
  const kind = sniffFileKind(data);
  if (kind !== 'keyring' && kind !== 'unknown')
    throw new FormatError(wrongKindMessage(what, kind, 'a keyring'), {
      hint: 'a keyring is what `hbs2 keyring new` writes (it starts "# hbs2 credentials file")',
    });
  if (armorError instanceof FormatError) throw armorError;
  throw new FormatError(`${what}: not an hbs2 credentials file`);
}

/**
 * A new keyring: a fresh Ed25519 pair and `n` fresh encryption pairs.
 * @param n - how many encryption key pairs
 * @returns the new keyring
 */
export function generateKeyring(n: number): Keyring {
  const c = crypto();
  const sign = c.signKeyPairFromSeed(c.randomBytes(32));
  const entries: KeyringEntry[] = [];
  for (let i = 0; i < n; i++) entries.push(generateEntry(null));
  return { signSecretKey: sign.secretKey, signPublicKey: sign.publicKey, entries };
}

/**
 * A new encryption key pair entry.
 * @param description - the entry's key id, or null
 * @returns a fresh curve25519 entry
 */
export function generateEntry(description: string | null): KeyringEntry {
  const kp = crypto().boxKeyPair();
  return { type: 'curve25519', publicKey: kp.publicKey, secretKey: kp.secretKey, description };
}
