/** Creating and verifying sigils, and their text file form. */
import { armoredOrRawBytes, formatArmored, SIGIL_HEADER } from '../codec/armor.js';
import { encodeBase58 } from '../codec/base58.js';
import { checkRecipientKey, crypto } from '../crypto/index.js';
import { FormatError, IntegrityError, NotFoundError } from '../errors.js';
import type { Keyring } from '../keyring/keyring.js';
import { holdsEncryptionKey } from '../keyring/ops.js';
import { equalBytes } from '../store/hash.js';
import {
  decodeSigil,
  decodeSigilData,
  encodeSigil,
  encodeSigilData,
  type Sigil,
  type SigilData,
} from './model.js';

/** A sigil whose signature has been checked, with its statement decoded. */
export interface VerifiedSigil {
  sigil: Sigil;
  /** The signing key that signed the statement. */
  signKey: Uint8Array;
  data: SigilData;
}

/** Options of {@link createSigil}. */
export interface CreateSigilOptions {
  info?: string | null;
  /** 32-byte hash of a metadata object. */
  ext?: Uint8Array | null;
}

/**
 * Makes a sigil for `encryptionKey`, signed with the keyring's signing key. The key must
 * be one of the keyring's entries: a sigil vouches for a key its owner actually holds;
 * and not of small order, since others will seal to it (FormatError).
 * @param keyring - the keyring holding the signing key and `encryptionKey`
 * @param encryptionKey - the public key the sigil vouches for
 * @param opts - optional extra statement fields
 * @returns the signed sigil
 * @throws {@link FormatError} when the key is not the keyring's or is of small order
 */
export function createSigil(
  keyring: Keyring,
  encryptionKey: Uint8Array,
  opts: CreateSigilOptions = {},
): Sigil {
  if (!holdsEncryptionKey(keyring, encryptionKey))
    throw new NotFoundError(`encryption key ${encodeBase58(encryptionKey)} is not in the keyring`, {
      hint: 'list the keyring with: hbs2 keyring list FILE',
    });
  if (opts.ext && opts.ext.length !== 32) throw new FormatError('sigil ext hash must be 32 bytes');
  checkRecipientKey(encryptionKey, 'sigil encryption key');
  const payload = encodeSigilData({
    encryptionKey,
    info: opts.info ?? null,
    ext: opts.ext ?? null,
  });
  const signature = crypto().sign(payload, keyring.signSecretKey);
  const signKey = keyring.signPublicKey;
  return { signKey, box: { signKey, payload, signature } };
}

/**
 * Verifies a sigil: the signature over the embedded bytes with the key inside the signed
 * box (as hbs2's `unboxSignedBox0`), then decodes the statement. Unlike hbs2 it also
 * requires the outer signing key to equal the signing one, so the key a sigil displays
 * is always the key that signed it.
 * @param sigil - the decoded sigil
 * @param what - names it in error messages
 * @returns the verified statement
 * @throws {@link IntegrityError} when a signature does not verify, {@link FormatError} when it does not decode
 */
export function verifySigil(sigil: Sigil, what = 'sigil'): VerifiedSigil {
  const { box } = sigil;
  if (!crypto().verify(box.payload, box.signature, box.signKey))
    throw new IntegrityError(`${what}: bad signature`);
  if (!equalBytes(box.signKey, sigil.signKey))
    throw new IntegrityError(`${what}: signed by a different key than the one it names`);
  return { sigil, signKey: box.signKey, data: decodeSigilData(box.payload, `${what} data`) };
}

/**
 * The text file: `# sigil file. public data`, then base58 in 60-character lines.
 * @param sigil - the sigil
 * @returns the file text
 */
export function formatSigilFile(sigil: Sigil): string {
  return formatArmored([SIGIL_HEADER], false, encodeSigil(sigil));
}

/** First byte of every encoded sigil (`83`: an array of three items). */
export const RAW_SIGIL_FIRST_BYTE = 0x83;

/** Decodes a sigil file (text form or raw CBOR) without verifying it. */
export function decodeSigilFile(data: Uint8Array, name: string): Sigil {
  return decodeSigil(armoredOrRawBytes(data, name, RAW_SIGIL_FIRST_BYTE), name);
}

/**
 * Reads and verifies a sigil file. Throws FormatError when it does not parse and
 * IntegrityError when the signature does not verify; never returns an unverified sigil.
 * @param data - the file's bytes
 * @param name - names the file in error messages
 * @returns the verified sigil
 * @throws {@link FormatError} or {@link IntegrityError} as above
 */
export function parseSigilFile(data: Uint8Array, name: string): VerifiedSigil {
  return verifySigil(decodeSigilFile(data, name), name);
}

/** hbs2's `sigil check` layout; `info` and `ext` lines only when present. */
export function formatSigilCheck(v: VerifiedSigil): string {
  const lines = [
    '(sigil',
    `  (sign-pubkey "${encodeBase58(v.sigil.signKey)}")`,
    `  (encrypt-pubkey "${encodeBase58(v.data.encryptionKey)}")`,
  ];
  if (v.data.info !== null) lines.push(`  (info ${JSON.stringify(v.data.info)})`);
  if (v.data.ext !== null) lines.push(`  (ext "${encodeBase58(v.data.ext)}")`);
  lines[lines.length - 1] += ')';
  return lines.join('\n') + '\n';
}

/** A verified sigil as JSON or YAML shows it (`sigil check --json/--yaml`). */
export interface SigilSummary {
  signKey: string;
  encryptionKey: string;
  info: string | null;
  ext: string | null;
}

/**
 * The printable view of a verified sigil: its keys and ext hash in base58.
 * @param v - the verified sigil
 * @returns its summary
 */
export function summarizeSigil(v: VerifiedSigil): SigilSummary {
  return {
    signKey: encodeBase58(v.sigil.signKey),
    encryptionKey: encodeBase58(v.data.encryptionKey),
    info: v.data.info,
    ext: v.data.ext ? encodeBase58(v.data.ext) : null,
  };
}
