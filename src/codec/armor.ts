/**
 * Armored text files: a few `#` header lines, then base58 of a binary value in lines of
 * 60 characters (hbs2's credentials, group key and sigil files).
 */
import { FormatError } from '../errors.js';
import { decodeBase58, encodeBase58 } from './base58.js';

/** Header of hbs2 credentials (keyring) files; followed by a blank line. */
export const CREDENTIALS_HEADER = ['# hbs2 credentials file', '# keep it private'];
/** Header of group key files written since 2024 (three CBOR items). */
export const GROUPKEY_V2_HEADER = '# hbs2 symmetric group key file v2';
/** Header of group key files written before the v2 change (one CBOR item). */
export const GROUPKEY_V1_HEADER = '# hbs2 symmetric group key file';
/** Header of sigil files. */
export const SIGIL_HEADER = '# sigil file. public data';
/** Header of the toolkit's base58 ACB files. */
export const ACB_HEADER = '# hbs2 acb file';

const LINE = 60;

/**
 * Formats `bytes` as an armored file: header lines, an optional blank line, base58 in
 * 60-character lines, each ending in `\n`.
 */
export function formatArmored(
  header: readonly string[],
  blankAfterHeader: boolean,
  bytes: Uint8Array,
): string {
  const b58 = encodeBase58(bytes);
  const lines: string[] = [...header];
  if (blankAfterHeader) lines.push('');
  for (let i = 0; i < b58.length; i += LINE) lines.push(b58.slice(i, i + LINE));
  return lines.join('\n') + '\n';
}

/** The result of reading an armored file. */
export interface Armored {
  /** Comment lines (without line ends) in the order found. */
  comments: string[];
  /** The decoded base58 body. */
  bytes: Uint8Array;
}

/**
 * Parses an armored text file. Accepts hbs2's own files byte for byte, plus CRLF line
 * ends, surrounding whitespace, and `#` comment lines anywhere. Errors name the line
 * number, never its content (it may be a secret key).
 */
export function parseArmored(text: string, what: string): Armored {
  const comments: string[] = [];
  const body: string[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.replace(/\r$/, '').trim();
    if (line === '') continue;
    if (line.startsWith('#')) {
      comments.push(line);
      continue;
    }
    if (!/^[1-9A-HJ-NP-Za-km-z]+$/.test(line)) {
      throw new FormatError(`${what}:${i + 1}: not base58 text`);
    }
    body.push(line);
  }
  if (body.length === 0) throw new FormatError(`${what}: no base58 data found`);
  return { comments, bytes: decodeBase58(body.join(''), what) };
}

/**
 * The payload of a file that hbs2 accepts in either form: raw CBOR when its first byte is
 * `rawFirstByte` (the text form never starts so: it starts with `#` or a base58
 * character), otherwise the armored base58 text. Errors name the file as `what`.
 */
export function armoredOrRawBytes(
  data: Uint8Array,
  what: string,
  rawFirstByte: number,
): Uint8Array {
  if (data.length > 0 && data[0] === rawFirstByte) return data;
  return parseArmored(new TextDecoder('utf-8', { fatal: false }).decode(data), what).bytes;
}
