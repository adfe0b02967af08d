/**
 * Recipient sources for new group keys: recipients files (one base58 curve25519 public
 * key per line, age-style) and keyring files (their encryption public keys).
 *
 * Detection lives in {@link detectRecipientsSource} and the readers in
 * {@link RECIPIENT_SOURCE_READERS}. Kinds that need a layer above this one (sigils verify
 * a signature, ACBs are signed boxes) come as extra readers with their own `detect`,
 * which the operations layer passes in (`readRecipients` in ops/recipients.ts). Errors
 * name the source and line, never the line's text — a user may point us at a file
 * holding secret keys by mistake.
 */
import { decodeBase58 } from '../codec/base58.js';
import { CREDENTIALS_HEADER } from '../codec/armor.js';
import { sniffFileKind, wrongKindMessage } from '../codec/file-kind.js';
import { checkRecipientKey } from '../crypto/index.js';
import { FormatError } from '../errors.js';
import { parseKeyringFile } from '../keyring/keyring.js';
import { bytesKey } from './model.js';

/** Largest recipients source accepted. */
export const MAX_RECIPIENTS_FILE_BYTES = 16 * 1024 * 1024;
/** Longest line accepted in a recipients file. */
export const MAX_RECIPIENTS_LINE_BYTES = 8 * 1024;

/** Public keys read from one source, each once, in order of first appearance. */
export interface RecipientsRead {
  keys: Uint8Array[];
  /** Where each key came from (`file:line` or `file: keyring entry n`), parallel to `keys`. */
  origins: string[];
  /** Messages about duplicates, each `<origin>: duplicate recipient`. */
  warnings: string[];
}

/** The kinds of recipient sources this module reads itself. */
export type RecipientSourceKind = 'keyring' | 'recipients-list';

/** Reads one kind of source; `read` may assume `detect` said yes. */
export interface RecipientSourceReader {
  kind: string;
  /** For extra readers: whether `data` is theirs (checked before the built-in kinds). */
  detect?(data: Uint8Array, text: string): boolean;
  read(name: string, data: Uint8Array, text: string): RecipientsRead;
}

const textDecoder = new TextDecoder('utf-8', { fatal: false });
const BASE58_WORD = /^[1-9A-HJ-NP-Za-km-z]+$/;
const MEMBER_FORM = /^(?:\(\s*member\s+"([^"]*)"\s*\)|member\s+"([^"]*)")\s*(?:;.*)?$/;
const KEY_WITH_COMMENT = /^(\S+)(?:\s+[#;].*)?$/;

/** Accumulates keys once each, recording duplicates as warnings. */
export class KeyCollector implements RecipientsRead {
  keys: Uint8Array[] = [];
  origins: string[] = [];
  warnings: string[] = [];
  private seen = new Set<string>();

  /**
   * Adds `key` unless it was added before (then a `<origin>: duplicate recipient` warning).
   * @param key - a public key
   * @param origin - where it came from
   */
  add(key: Uint8Array, origin: string): void {
    const k = bytesKey(key);
    if (this.seen.has(k)) {
      this.warnings.push(`${origin}: duplicate recipient`);
      return;
    }
    this.seen.add(k);
    this.keys.push(key);
    this.origins.push(origin);
  }
}

/** Parses one line's key token; null when it is not a 32-byte base58 key. */
function decodeKeyToken(token: string): Uint8Array | null {
  // Check the alphabet first: decodeBase58's own error would quote a character of the line.
  if (!BASE58_WORD.test(token) || token.length > 64) return null;
  const key = decodeBase58(token);
  return key.length === 32 ? key : null;
}

/**
 * Parses a recipients list: one base58 curve25519 public key per line; blank lines,
 * `#`/`;` comment lines, trailing `# …`/`; …` comments after whitespace, CRLF,
 * surrounding spaces, and hbs2's `member "KEY"` / `(member "KEY")` lines.
 * Any other line is a FormatError `<name>:<line>: not a curve25519 public key`, and so is
 * a small-order key (`<name>:<line>: public key is a small-order curve25519 point …`).
 */
export function parseRecipientsText(name: string, text: string): RecipientsRead {
  const out = new KeyCollector();
  const lines = text.replace(/^\uFEFF/, '').split('\n');
  for (let i = 0; i < lines.length; i++) {
    const where = `${name}:${i + 1}`;
    const raw = lines[i]!;
    if (raw.length > MAX_RECIPIENTS_LINE_BYTES)
      throw new FormatError(`${where}: line longer than ${MAX_RECIPIENTS_LINE_BYTES} bytes`);
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const member = MEMBER_FORM.exec(line);
    const token = member ? (member[1] ?? member[2] ?? '') : KEY_WITH_COMMENT.exec(line)?.[1];
    const key = token === undefined ? null : decodeKeyToken(token);
    if (!key) throw new FormatError(`${where}: not a curve25519 public key`);
    checkRecipientKey(key, where);
    out.add(key, where);
  }
  return out;
}

/** The encryption public keys of a keyring file (never its secrets). */
function readKeyringSource(name: string, data: Uint8Array): RecipientsRead {
  const keyring = parseKeyringFile(data, name);
  const out = new KeyCollector();
  keyring.entries.forEach((e, i) => {
    const where = `${name}: keyring entry ${i + 1}`;
    checkRecipientKey(e.publicKey, where);
    out.add(new Uint8Array(e.publicKey), where);
  });
  return out;
}

/** The readers, by kind. Add new source kinds here and in {@link detectRecipientsSource}. */
export const RECIPIENT_SOURCE_READERS: Record<RecipientSourceKind, RecipientSourceReader> = {
  keyring: { kind: 'keyring', read: (name, data) => readKeyringSource(name, data) },
  'recipients-list': {
    kind: 'recipients-list',
    read: (name, _data, text) => parseRecipientsText(name, text),
  },
};

function firstContentLine(text: string): string | undefined {
  for (const l of text.split('\n', 64)) {
    const t = l.trim();
    if (t !== '' && !t.startsWith('#')) return t;
  }
  return undefined;
}

/**
 * Decides what kind of source `data` is:
 * * a keyring when it starts with the credentials header, or when it looks like a
 *   headerless credentials file (raw CBOR, or base58 lines longer than any public key)
 *   and parses as one;
 * * otherwise a recipients list.
 */
export function detectRecipientsSource(
  name: string,
  data: Uint8Array,
  text: string,
): RecipientSourceKind {
  const start = text.replace(/^\uFEFF/, '').trimStart();
  if (start.startsWith(CREDENTIALS_HEADER[0]!)) return 'keyring';
  const first = data[0];
  const rawCbor = first !== undefined && (first & 0xe0) === 0x80;
  const line = firstContentLine(text);
  const longBase58 = line !== undefined && line.length > 50 && BASE58_WORD.test(line);
  if (rawCbor || longBase58) {
    try {
      parseKeyringFile(data, name);
      return 'keyring';
    } catch {
      // Not a keyring after all: read it as a recipients list, whose errors name the line.
    }
  }
  return 'recipients-list';
}

/**
 * Reads the recipients one source contributes. Sources over 16 MiB are refused.
 * Throws FormatError for anything malformed.
 * @param name - the source's name (its kind is detected from its content)
 * @param data - the source's bytes
 * @param extra - readers of further kinds, tried first (their `detect` decides)
 * @returns its recipients
 * @throws {@link FormatError} for anything malformed
 */
export function readRecipientsSource(
  name: string,
  data: Uint8Array,
  extra: readonly RecipientSourceReader[] = [],
): RecipientsRead {
  if (data.length > MAX_RECIPIENTS_FILE_BYTES)
    throw new FormatError(`${name}: larger than ${MAX_RECIPIENTS_FILE_BYTES} bytes`);
  const text = textDecoder.decode(data);
  const claimed = extra.find((r) => r.detect?.(data, text));
  if (claimed) return claimed.read(name, data, text);
  // Kinds no reader here claimed are named rather than misread as a list of keys.
  const fileKind = sniffFileKind(text);
  if (
    fileKind === 'group-key' ||
    fileKind === 'acb' ||
    fileKind === 'sigil' ||
    fileKind === 'acb-config'
  )
    throw new FormatError(wrongKindMessage(name, fileKind, 'a recipients file'), {
      hint:
        fileKind === 'group-key'
          ? '`hbs2 groupkey dump FILE` lists its members; `hbs2 keyring pubs KEYRING` makes a recipients file'
          : 'a recipients file lists base58 public keys, one per line (`hbs2 keyring pubs KEYRING`)',
    });
  const kind = detectRecipientsSource(name, data, text);
  return RECIPIENT_SOURCE_READERS[kind].read(name, data, text);
}

/** The hint when no source held a recipient. */
const NO_RECIPIENTS_HINT =
  'give a recipients file (one base58 curve25519 public key per line) or a keyring file';

/**
 * Merges what several sources held: each key once, in order of first appearance; a
 * repeat (within or across sources) is a `<origin>: duplicate recipient` warning.
 * @param reads - each source's name and keys
 * @param noneHint - the hint when there is no key at all
 * @returns the merged keys, their origins and the warnings
 * @throws {@link FormatError} naming the sources when there is no key at all
 */
export function mergeRecipients(
  reads: ReadonlyArray<{ name: string; read: RecipientsRead }>,
  noneHint = NO_RECIPIENTS_HINT,
): RecipientsRead {
  const all = new KeyCollector();
  for (const { read } of reads) {
    all.warnings.push(...read.warnings);
    read.keys.forEach((k, i) => all.add(k, read.origins[i]!));
  }
  if (all.keys.length === 0)
    throw new FormatError(
      `no recipients found in ${reads.map((s) => s.name).join(', ') || 'the input'}`,
      { hint: noneHint },
    );
  return all;
}
