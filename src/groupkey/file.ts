/** Group key files: `# hbs2 symmetric group key file v2` + base58 lines (spec §5.5). */
import { sniffFileKind, wrongKindMessage } from '../codec/file-kind.js';
import { GROUPKEY_V2_HEADER, formatArmored, parseArmored } from '../codec/armor.js';
import { decodeBase58 } from '../codec/base58.js';
import { checkRecipientKey } from '../crypto/index.js';
import { FormatError } from '../errors.js';
import { decodeGroupKey, encodeGroupKey, type GroupKey } from './model.js';

const textDecoder = new TextDecoder('utf-8', { fatal: false });

/**
 * The file text hbs2 writes: the v2 header, then base58 of the CBOR in 60-character
 * lines; no blank line, no "keep it private" (the file is public). Always the v2
 * encoding (a v1 key gains the `02 83 80 80 80` tail, as when hbs2 rewrites it); a decoded
 * v2 key re-encodes to exactly the bytes it was read from.
 * @param gk - the group key
 * @returns the file text
 */
export function formatGroupKeyFile(gk: GroupKey): string {
  return formatArmored([GROUPKEY_V2_HEADER], false, encodeGroupKey(gk));
}

/**
 * Parses a group key file the way hbs2's `parseGroupKey` does: comment (`#`) and empty
 * lines dropped, the rest base58 of the CBOR sequence. Both headers (v1 and v2) and a
 * bare base58 string are accepted; there is no raw-CBOR fallback. Unlike hbs2, every
 * member key must be a usable recipient (see {@link checkGroupKeyMembers}). Every failure
 * is a FormatError naming `what`.
 * @param data - the file's bytes or text
 * @param what - names the file in error messages
 * @returns the group key
 * @throws {@link FormatError} when it is not a group key
 */
export function parseGroupKeyFile(data: Uint8Array | string, what = 'group key'): GroupKey {
  const text = typeof data === 'string' ? data : textDecoder.decode(data);
  const kind = sniffFileKind(text);
  if (kind === 'keyring')
    throw new FormatError(`${what}: is a keyring (credentials) file, not a group key file`);
  try {
    return checkGroupKeyMembers(decodeGroupKey(parseArmored(text, what).bytes, what), what);
  } catch (e) {
    // A recipients file, sigil or ACB given as a group key: say so, not what the decoder saw.
    if (e instanceof FormatError && kind !== 'group-key' && kind !== 'unknown')
      throw new FormatError(wrongKindMessage(what, kind, 'a group key file'), {
        hint: 'make a group key from recipients with `hbs2 groupkey-new PUBS -o FILE`',
      });
    throw e;
  }
}

/** Decodes a group key given as one base58 string (hbs2's `fromStringMay`). */
export function parseGroupKeyBase58(text: string, what = 'group key'): GroupKey {
  return checkGroupKeyMembers(decodeGroupKey(decodeBase58(text.trim(), what), what), what);
}

/**
 * Refuses a group key file whose member keys could not be real recipients: not 32 bytes,
 * or of small order (its box then opens for anyone). hbs2 never writes such keys; a file
 * holding one is forged or corrupt, and re-sealing it (`groupkey update`) or encrypting
 * with it would be unsafe. FormatError `<what>: member <n>: …`; returns `gk`.
 */
export function checkGroupKeyMembers(gk: GroupKey, what = 'group key'): GroupKey {
  gk.recipients.forEach((r, i) => checkRecipientKey(r.publicKey, `${what}: member ${i + 1}`));
  return gk;
}
