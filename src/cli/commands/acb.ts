/**
 * Access control block commands (spec/cli.md "Access control blocks and sigils"):
 * `acb gen`, `acb dump`, `acb merge`, `acb check-writer`.
 */
import type { Command } from 'commander';
import { encodeBase58 } from '../../codec/base58.js';
import { NoMatchingKeyError, UsageError } from '../../errors.js';
import { readFileChecked } from '../../fsutil.js';
import { writeOutputFile } from '../io/output-file.js';
import {
  encodeAcb,
  formatAcbDsl,
  formatAcbText,
  mergeAcbs,
  parseAcbDsl,
  parseAcbFile,
  parseBase58Key,
  summarizeAcb,
  writerStatus,
  type Acb,
} from '../../acb/index.js';
import type { CliContext } from '../context.js';
import { printAsked } from '../format-option.js';
import { printLine, writeStdout } from '../output.js';

/** ACB configs and files are small; anything bigger is a mistake. */
const MAX_ACB_FILE_BYTES = 16 * 1024 * 1024;

interface OutputOptions {
  output?: string;
  text?: boolean;
}

/**
 * Writes an ACB as raw bytes (hbs2's form) or, with `--text`, as the base58 file. Raw
 * bytes are never written to a terminal: they would garble it.
 */
async function emitAcb(acb: Acb, opts: OutputOptions): Promise<void> {
  const data = opts.text ? formatAcbText(acb) : encodeAcb(acb);
  if (opts.output !== undefined && opts.output !== '-') {
    await writeOutputFile(opts.output, data);
    return;
  }
  if (!opts.text && process.stdout.isTTY)
    throw new UsageError('refusing to write a binary ACB to the terminal', {
      hint: 'use -o FILE to write it to a file, or --text for the base58 form',
    });
  await writeStdout(data);
}

async function readAcb(file: string): Promise<Acb> {
  return parseAcbFile(await readFileChecked(file, MAX_ACB_FILE_BYTES), file);
}

/** Parses `--at`: Unix seconds as a (possibly negative) integer. */
function parseAt(value: string | undefined): number {
  if (value === undefined) return Math.floor(Date.now() / 1000);
  const v = Number(value);
  if (!/^-?[0-9]+$/.test(value.trim()) || !Number.isSafeInteger(v))
    throw new UsageError('--at: expected Unix time in whole seconds');
  return v;
}

/** Registers the `acb` commands. */
export function register(program: Command, _ctx: CliContext): void {
  const acb = program
    .command('acb')
    .description('access control blocks: who owns, reads and writes a unit of content')
    .addHelpText(
      'after',
      '\nExample:\n  hbs2 acb gen acb.cfg -o team.acb && hbs2 acb dump team.acb',
    );

  acb
    .command('gen')
    .description("compile an ACB config (hbs2's DSL) to an ACB file")
    .argument(
      '<cfg>',
      'ACB config: define-acb, acb-root, acb-owner, acb-reader, acb-writer, acb-prev',
    )
    .option('-o, --output <file>', 'write the ACB to FILE (atomically) instead of stdout')
    .option('--text', "write the base58 text form ('# hbs2 acb file') instead of raw bytes")
    .addHelpText(
      'after',
      '\nA writer may be time-limited: acb-writer a1 "<key>" :from UNIX-SECONDS :to UNIX-SECONDS' +
        ' (-1 = unbounded, from inclusive, to exclusive).\n\nExample:\n  hbs2 acb gen acb.cfg -o team.acb',
    )
    .action(async (cfg: string, opts: OutputOptions) => {
      const data = await readFileChecked(cfg, MAX_ACB_FILE_BYTES);
      const parsed = parseAcbDsl(new TextDecoder('utf-8', { fatal: false }).decode(data), cfg);
      await emitAcb(parsed, opts);
    });

  acb
    .command('dump')
    .description('print an ACB file (raw or base58) as the config DSL')
    .argument('<file>', 'ACB file')
    .option('--json', 'print JSON')
    .option('--yaml', 'print YAML')
    .addHelpText('after', '\nExample:\n  hbs2 acb dump team.acb')
    .action(async (file: string, opts: { json?: boolean; yaml?: boolean }) => {
      const value = await readAcb(file);
      if (!(await printAsked(opts, () => summarizeAcb(value))))
        await writeStdout(formatAcbDsl(value));
    });

  acb
    .command('merge')
    .description("merge ACBs: first file's root and prev win, roles are united")
    .argument('<files...>', 'ACB files, in priority order')
    .option('-o, --output <file>', 'write the merged ACB to FILE (atomically) instead of stdout')
    .option('--text', 'write the base58 text form instead of raw bytes')
    .addHelpText('after', '\nExample:\n  hbs2 acb merge team.acb contractors.acb -o all.acb')
    .action(async (files: string[], opts: OutputOptions) => {
      const acbs: Acb[] = [];
      for (const f of files) acbs.push(await readAcb(f));
      await emitAcb(mergeAcbs(acbs), opts);
    });

  acb
    .command('check-writer')
    .description('exit 0 if SIGN-KEY may write at the given time (default now), else exit 5')
    .argument('<acb>', 'ACB file')
    .argument('<sign-key>', 'base58 signing public key')
    .option('--at <seconds>', 'Unix time in seconds to check at (default: now)')
    .addHelpText(
      'after',
      '\nExample:\n  hbs2 acb check-writer team.acb 8SFqwqnq4whPhs8icwHA2hQg3hUoN1qrCLK1SBx3WKwe --at 1700000000',
    )
    .action(async (file: string, keyText: string, opts: { at?: string }) => {
      const signKey = parseBase58Key(keyText, 'SIGN-KEY');
      const at = parseAt(opts.at);
      const value = await readAcb(file);
      const status = writerStatus(value, signKey, at);
      if (status === 'authorised') {
        await printLine('authorised');
        return;
      }
      throw new NoMatchingKeyError(
        status === 'outside-ranges'
          ? `${encodeBase58(signKey)} is not authorised to write at ${at}: outside its time ranges in ${file}`
          : `${encodeBase58(signKey)} is not authorised to write at ${at}: not a writer in ${file}`,
        [],
        { hint: `see its writers with: hbs2 acb dump ${file}` },
      );
    });
}
