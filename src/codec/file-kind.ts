/**
 * What kind of hbs2 file some bytes are, from their header and shape, so that a file
 * given in the wrong place is named for what it is ("team.gk is a group key file, not a
 * keyring") instead of failing deep inside a decoder with a message about CBOR fields.
 */
import { ACB_HEADER, CREDENTIALS_HEADER, GROUPKEY_V1_HEADER, SIGIL_HEADER } from './armor.js';
import { decodeBase58 } from './base58.js';

/** The kinds of file the toolkit reads. */
export type FileKind =
  | 'keyring'
  | 'group-key'
  | 'sigil'
  | 'acb'
  | 'acb-config'
  | 'recipients'
  | 'public-key'
  | 'unknown';

/** How each kind is named in messages ("X is a group key file"). */
export const FILE_KIND_NAMES: Record<FileKind, string> = {
  keyring: 'a keyring (credentials) file',
  'group-key': 'a group key file',
  sigil: 'a sigil file',
  acb: 'an ACB file',
  'acb-config': 'an ACB text (define-acb) file',
  recipients: 'a recipients file',
  'public-key': 'a bare public key',
  unknown: 'not an hbs2 file',
};

const BASE58_KEY = /^[1-9A-HJ-NP-Za-km-z]{32,44}$/;
const MEMBER_LINE = /^\(?\s*member\s+"/;
/** How many lines of a file are looked at: headers and the first entries are enough. */
const LINES_LOOKED_AT = 64;

function isKey(word: string): boolean {
  if (!BASE58_KEY.test(word)) return false;
  try {
    return decodeBase58(word).length === 32;
  } catch {
    return false;
  }
}

/**
 * The kind of `data`, judged by its first lines: an armor header names keyrings, group
 * keys (both versions), sigils and ACB files; `define-acb` an ACB text; lines holding one
 * base58 key (or hbs2's `member "KEY"`) a recipients file, and one key without a line
 * end (an argument's text) a bare public key. Anything else, including raw CBOR, is `unknown`.
 */
export function sniffFileKind(data: Uint8Array | string): FileKind {
  const text =
    typeof data === 'string'
      ? data
      : new TextDecoder('utf-8', { fatal: false }).decode(data.subarray(0, 16 * 1024));
  const lines = text
    .replace(/^\uFEFF/, '')
    .split('\n', LINES_LOOKED_AT)
    .map((l) => l.trim());
  const comments = lines.filter((l) => l.startsWith('#'));
  if (comments.some((c) => c.startsWith(CREDENTIALS_HEADER[0]!))) return 'keyring';
  if (comments.some((c) => c.startsWith(GROUPKEY_V1_HEADER))) return 'group-key';
  if (comments.some((c) => c.startsWith(SIGIL_HEADER.slice(0, 12)))) return 'sigil';
  if (comments.some((c) => c.startsWith(ACB_HEADER))) return 'acb';
  if (lines.some((l) => /^\(\s*define-acb\b/.test(l))) return 'acb-config';
  const content = lines.filter((l) => l !== '' && !l.startsWith('#') && !l.startsWith(';'));
  if (content.length === 0) return 'unknown';
  const keyLines = content.filter(
    (l) => MEMBER_LINE.test(l) || isKey(l.split(/\s+/)[0]!.replace(/[#;].*$/, '')),
  );
  if (keyLines.length !== content.length) return 'unknown';
  // A key with no line end is a key given as text (an argument), not a file's content.
  return content.length === 1 && !text.includes('\n') && isKey(content[0]!)
    ? 'public-key'
    : 'recipients';
}

/** "NAME is a group key file, not a keyring": the message for a file in the wrong place. */
export function wrongKindMessage(name: string, found: FileKind, expected: string): string {
  return `${name} is ${FILE_KIND_NAMES[found]}, not ${expected}`;
}
