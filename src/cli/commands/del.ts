/**
 * `hbs2 del [-r] HASH...`: deletes blocks (with `-r` whole objects) after one confirmation;
 * the plan and the deletion are the library's (pins/delete-plan.ts).
 */
import type { Command } from 'commander';
import { UsageError } from '../../errors.js';
import { deleteBlocks, planDelete } from '../../pins/delete-plan.js';
import { hashToString } from '../../store/index.js';
import { askYesNo } from '../confirm.js';
import type { CliContext } from '../context.js';
import { info, plural, printJson, printLine } from '../output.js';
import { formatBytes } from '../progress.js';
import {
  openStore,
  parseHashArg,
  PREFIX_FLAGS,
  PREFIX_HELP,
  type StoreLocationOptions,
} from '../io/store-location.js';

/** Options of `del`. */
export interface DelOptions extends StoreLocationOptions {
  recursive?: boolean;
  /** With `recursive`: delete the group key trees too (kept by default). */
  includeGroupkeys?: boolean;
  yes?: boolean;
  keep?: string[];
  json?: boolean;
  quiet?: boolean;
}

/**
 * `del [-r] HASH...`: deletes blocks after one confirmation (or `-y`). With `-r` the
 * objects and every block they depend on, except blocks any `--keep ROOT` needs and, unless
 * `includeGroupkeys`, the group key trees (each kept one is named on stderr); the roots are
 * deleted last so an interrupted run can be repeated. Without a terminal to ask on and
 * without `-y` nothing is deleted (exit 2): a script must say it means it.
 */
export async function delCommand(
  ctx: CliContext,
  hashArgs: string[],
  opts: DelOptions,
): Promise<void> {
  if (opts.json && opts.quiet) throw new UsageError('give --json or --quiet, not both');
  const roots = hashArgs.map((a) => parseHashArg(a));
  const keepRoots = (opts.keep ?? []).map((a) => parseHashArg(a, '--keep argument'));
  const { blocks: store, close } = await openStore(ctx, opts.prefix);
  const plan = await planDelete(store, roots, {
    recursive: opts.recursive,
    keep: keepRoots,
    includeGroupKeys: opts.includeGroupkeys,
    names: hashArgs,
  }).catch(async (e: unknown) => {
    await close();
    throw e;
  });
  for (const gk of plan.keptGroupKeys)
    info(
      `kept group key ${hashToString(gk.hash)} (${plural(gk.blocks, 'block')}): other trees may use it; ` +
        '--include-groupkeys deletes it too',
    );
  const what = `${plural(plan.blocks.length, 'block')} (${formatBytes(plan.bytes)}) of ${hashArgs.join(', ')}`;
  if (!opts.yes && plan.blocks.length > 0) {
    if (!process.stdin.isTTY)
      throw new UsageError(`not deleting ${what}: nobody to confirm (stdin is not a terminal)`, {
        hint: 'add -y to delete without asking',
      });
    if (!(await askYesNo(`delete ${what}? [y/N] `))) {
      info('nothing deleted');
      return;
    }
  }
  let done: Awaited<ReturnType<typeof deleteBlocks>>;
  try {
    done = await deleteBlocks(store, plan.blocks);
  } finally {
    await close();
  }
  if (opts.json)
    await printJson({
      deleted: done.deleted.length,
      bytes: done.bytes,
      kept: plan.kept,
      blocks: done.deleted.map(hashToString),
    });
  else if (!opts.quiet)
    await printLine(
      `deleted ${plural(done.deleted.length, 'block')} (${formatBytes(done.bytes)})` +
        (plan.kept > 0 ? `, kept ${plan.kept} needed by other trees` : ''),
    );
}

/** Registers `del`. */
export function register(program: Command, ctx: CliContext): void {
  program
    .command('del')
    .description('delete blocks; -r: the objects and every block they depend on')
    .argument('<hash...>', 'base58 hashes')
    .option(PREFIX_FLAGS, PREFIX_HELP)
    .option('-r, --recursive', 'also delete every block the objects depend on')
    .option('-y, --yes', 'do not ask (needed when stdin is not a terminal)')
    .option('--json', 'print {deleted, bytes, kept, blocks} instead of the summary')
    .option('-q, --quiet', 'no summary line')
    .option(
      '--keep <root>',
      'with -r: keep blocks this root needs (repeatable)',
      (v: string, acc: string[] = []) => [...acc, v],
    )
    .option('--include-groupkeys', 'with -r: delete the group key trees too (kept by default)')
    .addHelpText(
      'after',
      '\nAsks once, with the number of blocks and their size (hbs2 0.25 asks per hash);\n' +
        'without a terminal to ask on, -y is required (exit 2 otherwise). Ends with a\n' +
        'one-line summary. With -r, group key trees are kept (other trees encrypted for\n' +
        'the same group need them) and named on stderr. Other blocks shared with trees\n' +
        'not named here (equal content is stored once) cannot be known without scanning\n' +
        'the whole store: use --keep ROOT for trees that share blocks.\n' +
        '\nExample:\n  hbs2 del -r -y FMqApxg8fAWSnamHHwHX3hCSXvDFZe1UoqpPmfeCvtu9',
    )
    .action(async (hashes: string[], opts: DelOptions) => {
      await delCommand(ctx, hashes, opts);
    });
}
