/** `hbs2 deps HASH`: every block an object depends on, each once. */
import type { Command } from 'commander';
import { NotFoundError } from '../../errors.js';
import { hashToString } from '../../store/index.js';
import { collectDeps } from '../../tree/index.js';
import type { CliContext } from '../context.js';
import { printJson, printLine } from '../output.js';
import {
  openReadStore,
  parseHashArg,
  PREFIX_FLAGS,
  PREFIX_HELP,
  type StoreLocationOptions,
} from '../io/store-location.js';

/** Options of `deps`. */
export interface DepsCommandOptions extends StoreLocationOptions {
  json?: boolean;
}

/**
 * `deps HASH`: every block the object needs, one per line, each once. Missing blocks
 * are warned about on stderr and make the exit code 6 after the listing.
 */
export async function depsCommand(
  ctx: CliContext,
  hashArg: string,
  opts: DepsCommandOptions,
): Promise<void> {
  const hash = parseHashArg(hashArg);
  const store = await openReadStore(ctx, opts.prefix);
  const missing: string[] = [];
  const all: { hash: string; role: string; present: boolean }[] = [];
  for await (const d of collectDeps(store, hash)) {
    const name = hashToString(d.hash);
    if (d.role === 'root' && !d.present) throw new NotFoundError(`block ${name} not found`);
    if (opts.json) all.push({ hash: name, role: d.role, present: d.present });
    else if (d.present) await printLine(name);
    if (!d.present) {
      missing.push(name);
      if (!opts.json) process.stderr.write(`hbs2: warning: ${d.role} block ${name} is missing\n`);
    }
  }
  if (opts.json) await printJson(all);
  if (missing.length > 0)
    throw new NotFoundError(
      `${missing.length} block${missing.length === 1 ? '' : 's'} of ${hashArg} missing (first: ${missing[0]})`,
    );
}

/** Registers `deps`. */
export function register(program: Command, ctx: CliContext): void {
  program
    .command('deps')
    .description('every block an object depends on, one hash per line, each once')
    .argument('<hash>', 'base58 hash of the object')
    .option(PREFIX_FLAGS, PREFIX_HELP)
    .option('--json', 'print [{hash, role, present}] as JSON')
    .addHelpText('after', '\nExample:\n  hbs2 deps FMqApxg8fAWSnamHHwHX3hCSXvDFZe1UoqpPmfeCvtu9')
    .action(async (hash: string, opts: DepsCommandOptions) => {
      await depsCommand(ctx, hash, opts);
    });
}
