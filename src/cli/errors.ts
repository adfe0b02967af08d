/** Maps any thrown value to the one-line `hbs2: error:` form and an exit code. */
import { Hbs2Error, NoMatchingKeyError } from '../errors.js';
import { fileError } from '../fsutil.js';

/** What the CLI prints and returns for a failure. */
export interface ReportedError {
  lines: string[];
  exitCode: number;
}

/**
 * Lowercases a leading capitalised plain word, as the CLI contract wants. Messages that
 * start with a file name (`Missing.key: …`), an acronym or a key are left alone: changing
 * them would name a file that does not exist.
 */
function lower(s: string): string {
  return /^[A-Z][a-z]*( |$)/.test(s) ? s[0]!.toLowerCase() + s.slice(1) : s;
}

/** Builds the error report; the stack is included only when `debug` is set. */
export function reportError(e: unknown, debug: boolean): ReportedError {
  let err: unknown = e;
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  const path = (e as NodeJS.ErrnoException | undefined)?.path;
  if (!(e instanceof Hbs2Error) && typeof code === 'string' && typeof path === 'string')
    err = fileError(e, path);
  const lines: string[] = [];
  let exitCode = 1;
  if (err instanceof Hbs2Error) {
    exitCode = err.exitCode;
    lines.push(`hbs2: error: ${lower(err.message.split('\n')[0]!)}`);
    if (err instanceof NoMatchingKeyError && err.tried.length > 0 && !err.hint)
      lines.push(`hbs2: hint: keys tried: ${err.tried.join(', ')}`);
    if (err.hint) lines.push(`hbs2: hint: ${err.hint}`);
  } else {
    const msg = err instanceof Error ? err.message : String(err);
    lines.push(`hbs2: error: internal error: ${lower(msg.split('\n')[0]!)}`);
    lines.push('hbs2: hint: this is a bug; run with HBS2_DEBUG=1 for details and report it');
  }
  if (debug && err instanceof Error && err.stack) lines.push(err.stack);
  return { lines, exitCode };
}
