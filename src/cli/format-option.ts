/**
 * `--json`, `--yaml` and `--format F`: one printed form per run. Two of them at once, or a
 * form the command does not print, is a usage error rather than one of them silently winning.
 */
import { UsageError } from '../errors.js';

/** The output-form options a command may have. */
export interface FormatFlags {
  json?: boolean;
  yaml?: boolean;
  format?: string;
}

/** The one form asked for, `fallback` when none is; a conflict or unknown form: exit 2. */
export function chooseFormat<F extends string>(
  flags: FormatFlags,
  allowed: readonly F[],
  fallback: F,
): F {
  const asked = [
    ...(flags.json ? ['json'] : []),
    ...(flags.yaml ? ['yaml'] : []),
    ...(flags.format !== undefined ? [flags.format] : []),
  ];
  const distinct = [...new Set(asked)];
  if (distinct.length > 1)
    throw new UsageError(`give one output form, not ${distinct.map(flagOf).join(' and ')}`);
  const f = distinct[0] ?? fallback;
  if (!(allowed as readonly string[]).includes(f))
    throw new UsageError(`--format must be one of ${allowed.join(', ')}, got '${f}'`);
  return f as F;
}

/** True when any output-form flag was given. */
export function formatGiven(flags: FormatFlags): boolean {
  return flags.json === true || flags.yaml === true || flags.format !== undefined;
}

function flagOf(form: string): string {
  return form === 'json' || form === 'yaml' ? `--${form}` : `--format ${form}`;
}
