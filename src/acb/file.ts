/**
 * ACB files: the raw CBOR hbs2's `acb-gen` wrote, or the toolkit's base58 text form with
 * the header line `# hbs2 acb file`.
 */
import { ACB_HEADER, armoredOrRawBytes, formatArmored } from '../codec/armor.js';
import { decodeAcb, encodeAcb } from './codec.js';
import { parseAcbDsl } from './dsl.js';
import type { Acb } from './model.js';

/** The base58 text form: `# hbs2 acb file`, then base58 in 60-character lines. */
export function formatAcbText(acb: Acb): string {
  return formatArmored([ACB_HEADER], false, encodeAcb(acb));
}

/** First byte of every ACB record (`86`: an array of six items). */
export const RAW_ACB_FIRST_BYTE = 0x86;

/**
 * Reads an ACB file in either form. Raw CBOR is recognised by its first byte, which can
 * never start the text form (that starts with `#` or a base58 character).
 * @param data - the file's bytes
 * @param name - names the file in error messages
 * @returns the access control block
 * @throws {@link FormatError} when it is not an ACB
 */
export function parseAcbFile(data: Uint8Array, name: string): Acb {
  return decodeAcb(armoredOrRawBytes(data, name, RAW_ACB_FIRST_BYTE), name);
}

/**
 * The readers of an ACB file: the encryption public keys a group key made from this ACB
 * is sealed to (`groupkey-new --acb FILE`).
 * @param data - the ACB file's bytes
 * @param name - names the file in error messages
 * @returns the readers' public keys
 * @throws {@link FormatError} when it is not an ACB
 */
export function readersFromAcbFile(data: Uint8Array, name: string): Uint8Array[] {
  return parseAcbFile(data, name).readers;
}

/** A `define-acb` form at the start of a line (after parentheses or comment semicolons). */
const DSL_START = /^\s*[(;]*\s*define-acb\b/m;

/**
 * Reads an ACB given either way a user may hold one: the config DSL (`define-acb …`, what
 * `acb gen` compiles) or an ACB file, raw or base58.
 * @param data - the file's bytes
 * @param name - names the file in error messages
 * @returns the access control block
 * @throws {@link FormatError} when it is neither
 */
export function parseAcbDslOrFile(data: Uint8Array, name: string): Acb {
  const text = new TextDecoder('utf-8', { fatal: false }).decode(data);
  return DSL_START.test(text) ? parseAcbDsl(text, name) : parseAcbFile(data, name);
}
