/**
 * The one recipients reader: recipients files, keyrings, sigils, ACBs and keys given
 * inline all become `{key, origin}` here, so `groupkey new`, `groupkey update --add`,
 * `rotate` and library users accept the same inputs with the same messages.
 */
import { RAW_ACB_FIRST_BYTE, readersFromAcbFile } from '../acb/index.js';
import { ACB_HEADER } from '../codec/armor.js';
import { sniffFileKind, wrongKindMessage } from '../codec/file-kind.js';
import { FormatError } from '../errors.js';
import {
  KeyCollector,
  mergeRecipients,
  parseRecipientsText,
  readRecipientsSource,
  type RecipientSourceReader,
  type RecipientsRead,
} from '../groupkey/recipients.js';
import { parseSigilFile, RAW_SIGIL_FIRST_BYTE } from '../sigil/index.js';

/** One recipient: a curve25519 public key and where it was read (`file:line`, …). */
export interface Recipient {
  key: Uint8Array;
  origin: string;
}

/**
 * Where recipients come from: a file's bytes (its kind detected from its content, or
 * `kind: 'acb'` to read it as an ACB whatever it looks like), or one base58 key given
 * as text (`key`).
 */
export type RecipientInput =
  { name: string; data: Uint8Array; kind?: 'acb' } | { name: string; key: string };

/** The recipients of several inputs, each key once, with the duplicates' warnings. */
export interface RecipientsResult {
  recipients: Recipient[];
  /** `<origin>: duplicate recipient` for each repeat. */
  warnings: string[];
}

/** Options of {@link readRecipients}. */
export interface ReadRecipientsOptions {
  /** The hint of the FormatError when no input holds a recipient. */
  noneHint?: string;
}

/** Whether text starts (after a BOM and blank space) with `header`. */
function startsWithHeader(text: string, header: string): boolean {
  return text
    .replace(/^\uFEFF/, '')
    .trimStart()
    .startsWith(header);
}

/** The read of a list of keys from one source, origins numbered from 1. */
function keysRead(keys: Uint8Array[], origin: (i: number) => string): RecipientsRead {
  const out = new KeyCollector();
  keys.forEach((k, i) => out.add(k, origin(i + 1)));
  return out;
}

/**
 * A sigil contributes its encryption key once its signature verifies: a bad signature is
 * an IntegrityError, as an unverified sigil must never become a recipient.
 */
const SIGIL_READER: RecipientSourceReader = {
  kind: 'sigil',
  detect: (data, text) =>
    data[0] === RAW_SIGIL_FIRST_BYTE || startsWithHeader(text, '# sigil file'),
  read: (name, data) =>
    keysRead([parseSigilFile(data, name).data.encryptionKey], () => `${name}: sigil`),
};

/** An ACB (text or raw, as `hbs2 acb gen` writes it) contributes its readers. */
const ACB_READER: RecipientSourceReader = {
  kind: 'acb',
  detect: (data, text) => data[0] === RAW_ACB_FIRST_BYTE || startsWithHeader(text, ACB_HEADER),
  read: (name, data) => keysRead(readersFromAcbFile(data, name), (i) => `${name}: acb reader ${i}`),
};

/** The kinds this layer adds to the group key module's keyrings and recipients lists. */
const EXTRA_READERS = [SIGIL_READER, ACB_READER] as const;

/**
 * Whether `data` is a sigil file (text or raw), as {@link readRecipients} detects it.
 * @param data - a file's bytes
 * @returns true for a sigil
 */
export function isSigilSource(data: Uint8Array): boolean {
  // Only the start is decoded: a sigil header is ASCII, and inputs may be megabytes.
  const head = new TextDecoder('utf-8', { fatal: false }).decode(data.subarray(0, 256));
  return SIGIL_READER.detect!(data, head);
}

/**
 * How hbs2 0.24's `groupkey from-…` commands read an input: `from-keys` takes public keys
 * separated by any whitespace, `from-sigils` takes sigils only.
 */
export type RecipientsInputRule = 'whitespace-separated' | 'sigils-only';

/**
 * An input as a `groupkey from-keys` or `from-sigils` of hbs2 reads it: whitespace-separated
 * keys become one key per line; for sigils only, anything else is refused at once.
 * @param input - a file's name and bytes
 * @param rule - the command's rule
 * @returns the input {@link readRecipients} then reads
 * @throws {@link FormatError} naming the file's kind when a sigil was required
 */
export function applyRecipientsRule(
  input: { name: string; data: Uint8Array },
  rule: RecipientsInputRule,
): { name: string; data: Uint8Array } {
  if (rule === 'whitespace-separated') {
    const words = new TextDecoder().decode(input.data).split(/\s+/).filter(Boolean);
    return { name: input.name, data: new TextEncoder().encode(words.join('\n') + '\n') };
  }
  if (!isSigilSource(input.data))
    throw new FormatError(wrongKindMessage(input.name, sniffFileKind(input.data), 'a sigil file'));
  return input;
}

/**
 * The recipients one key given as text contributes (checked as a recipients line is).
 * @param text - one base58 curve25519 public key
 * @param name - names it in messages (`-r argument 1`, `key …`)
 * @returns its read
 * @throws {@link FormatError} when it is not exactly one valid public key
 */
function inlineKeyRead(text: string, name: string): RecipientsRead {
  const read = parseRecipientsText(name, text.trim());
  if (read.keys.length !== 1) throw new FormatError(`${name}: not a curve25519 public key`);
  return read;
}

/**
 * Reads recipients from any mix of recipients files (one base58 key per line, hbs2's
 * `member "KEY"` lines), keyring files (their encryption public keys, never secrets),
 * sigils (verified first), ACBs (their readers) and keys given inline. Each key once,
 * in order of first appearance; repeats are warnings. No key at all is a FormatError.
 * @param inputs - the sources, in order
 * @param opts - the hint when there is no recipient
 * @returns the recipients with their origins, and warnings
 * @throws {@link FormatError} for a malformed source or no recipient at all
 * @throws {@link IntegrityError} for a sigil or ACB whose signature does not verify
 */
export function readRecipients(
  inputs: readonly RecipientInput[],
  opts: ReadRecipientsOptions = {},
): RecipientsResult {
  const reads = inputs.map((input) => ({
    name: input.name,
    read:
      'key' in input
        ? inlineKeyRead(input.key, input.name)
        : input.kind === 'acb'
          ? ACB_READER.read(input.name, input.data, '')
          : readRecipientsSource(input.name, input.data, EXTRA_READERS),
  }));
  const all = mergeRecipients(reads, opts.noneHint);
  return {
    recipients: all.keys.map((key, i) => ({ key, origin: all.origins[i]! })),
    warnings: all.warnings,
  };
}
