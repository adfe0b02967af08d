/**
 * Refusing to dump binary data onto a terminal (as age does): a PNG `cat` to the screen
 * scrambles it and helps nobody. `-o -` says "stdout anyway"; pipes and files are never
 * refused.
 */
import { UsageError } from '../../errors.js';
import type { OutputSink } from './output-file.js';

/** Bytes looked at to judge text from binary. */
const SNIFF_BYTES = 8192;

/**
 * True when `bytes` do not look like text: a NUL, a control character other than the
 * usual whitespace and escape, or invalid UTF-8 (a sequence cut at the end is allowed).
 */
export function looksBinary(bytes: Uint8Array): boolean {
  const head = bytes.subarray(0, SNIFF_BYTES);
  for (const b of head)
    if (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d && b !== 0x0c && b !== 0x1b) return true;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(head, { stream: true });
    return false;
  } catch {
    return true;
  }
}

/**
 * Wraps `sink` (stdout) so that, when stdout is a terminal and `-o -` was not given, the
 * first piece is checked and binary content is refused before any byte is written.
 */
export function guardTerminal(sink: OutputSink, output: string | undefined): OutputSink {
  if (output === '-' || !process.stdout.isTTY) return sink;
  let checked = false;
  return {
    ...sink,
    write: async (data) => {
      if (!checked && data.length > 0) {
        checked = true;
        if (looksBinary(data))
          throw new UsageError('refusing to write binary data to the terminal', {
            hint: 'use -o FILE, pipe it into a program, or -o - to write it to the terminal anyway',
          });
      }
      await sink.write(data);
    },
  };
}
