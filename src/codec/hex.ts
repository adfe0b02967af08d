/**
 * Lower-case hexadecimal without Node's `Buffer`, so the portable core runs in browsers.
 * Used for map keys of hashes and public keys, and by the base58 codec.
 */
import { FormatError } from '../errors.js';

const DIGITS = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/**
 * Lower-case hex of `bytes`.
 * @param bytes - any bytes
 * @returns two hex digits per byte
 */
export function toHex(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) out += DIGITS[bytes[i]!];
  return out;
}

/**
 * The bytes of hex text (either case).
 * @param text - an even number of hex digits
 * @returns the decoded bytes
 * @throws {@link FormatError} when the text is not hex or has an odd length
 */
export function fromHex(text: string): Uint8Array {
  if (text.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(text))
    throw new FormatError('not hexadecimal text of whole bytes');
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.slice(2 * i, 2 * i + 2), 16);
  return out;
}
