/** Small argument and input helpers shared by the command modules. */
import { FormatError } from '../errors.js';

/** How stdin is named in messages. */
export const STDIN_NAME = '<stdin>';

/** Commander collector for repeatable options (`-k A -k B` → ['A', 'B']). */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** Reads all of stdin, refusing more than `maxBytes` (FormatError). */
export async function readStdin(maxBytes: number): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of process.stdin) {
    const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
    total += b.length;
    if (total > maxBytes)
      throw new FormatError(`${STDIN_NAME}: input larger than ${maxBytes} bytes`);
    chunks.push(b);
  }
  return Buffer.concat(chunks);
}
