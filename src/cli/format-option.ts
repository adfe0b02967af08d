/**
 * `--json`, `--yaml` and `--format F`: one printed form per run. Two of them at once, or a
 * form the command does not print, is a usage error rather than one of them silently winning.
 */
import { UsageError } from '../errors.js';
import { printJson, printYaml } from './output.js';

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

/**
 * Prints `value()` as JSON or YAML when one of them was asked for (both: exit 2) and
 * returns true; false when neither was, and the caller prints its text form.
 */
export async function printAsked(flags: FormatFlags, value: () => unknown): Promise<boolean> {
  const form = chooseFormat(
    { json: flags.json, yaml: flags.yaml },
    ['text', 'json', 'yaml'],
    'text',
  );
  if (form === 'json') await printJson(value());
  else if (form === 'yaml') await printYaml(value());
  return form !== 'text';
}
