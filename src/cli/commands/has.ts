/**
 * `has HASH`, hbs2 0.25's presence test: prints the block's size, and fails (exit 1, as
 * hbs2's non-zero exit) when the block is absent, so `if hbs2 has H; then …` works.
 */
import type { Command } from 'commander';
import { Hbs2Error } from '../../errors.js';
import type { CliContext } from '../context.js';
import { printBare, printJson } from '../output.js';
import { openReadStore, parseHashArg } from '../io/store-location.js';

/** The block is not in the store: exit 1, the code hbs2's `has` gives. */
class AbsentBlockError extends Hbs2Error {}

async function hasCommand(
  ctx: CliContext,
  hashArg: string,
  opts: { prefix?: string; json?: boolean },
): Promise<void> {
  const hash = parseHashArg(hashArg);
  const store = await openReadStore(ctx, opts.prefix);
  const size = await store.sizeOf(hash);
  if (opts.json) await printJson({ hash: hashArg, present: size !== null, size });
  if (size === null) throw new AbsentBlockError(`block ${hashArg} is not in the store`);
  if (!opts.json) await printBare(String(size));
}

/** Registers `has`. */
export function register(program: Command, ctx: CliContext): void {
  program
    .command('has')
    .description('print the size of a block; exit 1 when the store does not have it')
    .argument('<hash>', 'base58 hash of the block')
    .option('-p, --prefix <dir>', 'store directory')
    .option('--json', 'print {"hash", "present", "size"} (size null when absent)')
    .addHelpText(
      'after',
      "\nAs hbs2 0.25's `has`: the size without a trailing newline (one is added on a terminal).\n" +
        '\nExample:\n  hbs2 has FMqApxg8fAWSnamHHwHX3hCSXvDFZe1UoqpPmfeCvtu9 && echo present',
    )
    .action((hash: string, opts: { prefix?: string; json?: boolean }) =>
      hasCommand(ctx, hash, opts),
    );
}
