/**
 * `hbs2 store compact` and `hbs2 store migrate [--to simple|ncq3]`: maintenance of the
 * store's layout (docs/formats.md "NCQ3 written by the toolkit"). Subcommands of `store`:
 * to store a file named `compact` or `migrate`, write `hbs2 store ./compact`.
 */
import type { Command } from 'commander';
import { UsageError } from '../../errors.js';
import { migrateToNcq3, migrateToSimple } from '../../store/migrate.js';
import { openStore } from '../../store/open.js';
import type { CliContext } from '../context.js';
import { printJson, printLine } from '../output.js';
import { resolveStorePath } from '../settings.js';

interface MaintenanceOptions {
  prefix?: string;
  json?: boolean;
  to?: string;
}

/** Options given before the subcommand (`hbs2 store -p DIR compact`) count too. */
function optionsOf(cmd: Command): MaintenanceOptions {
  return cmd.optsWithGlobals<MaintenanceOptions>();
}

async function compactCommand(ctx: CliContext, opts: MaintenanceOptions): Promise<void> {
  const store = await openStore(await resolveStorePath(ctx, opts.prefix), { write: true });
  try {
    if (!store.compact) {
      await printLine('nothing to compact: a simple-layout store frees space as it deletes');
      return;
    }
    const r = await store.compact();
    if (opts.json) await printJson(r);
    else
      await printLine(
        `compacted: ${r.filesRewritten} data file(s) rewritten (${r.filesMerged} small ones merged), ` +
          `${r.bytesBefore} -> ${r.bytesAfter} bytes; ` +
          `${r.indexesBefore} index file(s) merged into ${Math.min(1, r.indexesBefore)}` +
          (r.leftoversRemoved > 0
            ? `; ${r.leftoversRemoved} leftover file(s) of an interrupted command removed`
            : ''),
      );
  } finally {
    await store.close();
  }
}

async function migrateCommand(ctx: CliContext, opts: MaintenanceOptions): Promise<void> {
  const to = opts.to ?? 'ncq3';
  if (to !== 'ncq3' && to !== 'simple')
    throw new UsageError(`--to must be ncq3 or simple, not '${to}'`);
  const prefix = await resolveStorePath(ctx, opts.prefix);
  const r = to === 'ncq3' ? await migrateToNcq3(prefix) : await migrateToSimple(prefix);
  if (opts.json) await printJson({ to, ...r });
  else if (!r.migrated)
    await printLine(`already ${to === 'ncq3' ? 'NCQ3' : 'simple'}: nothing to do`);
  else
    await printLine(
      `migrated to ${to === 'ncq3' ? 'NCQ3' : 'the simple layout'}: ${r.blocks} block(s) copied, ` +
        `${r.verified} verified, ${r.refs} ref(s)`,
    );
}

/** Registers `store compact` and `store migrate` under the `store` command. */
export function register(program: Command, ctx: CliContext): void {
  const store = program.commands.find((c) => c.name() === 'store') ?? program.command('store');
  store
    .command('compact')
    .description('NCQ3: rewrite data files holding deleted blocks, merge the index files')
    .option('-p, --prefix <dir>', 'store directory')
    .option(
      '--json',
      'print {filesRewritten, filesMerged, bytesBefore, bytesAfter, indexesBefore, leftoversRemoved}',
    )
    .addHelpText(
      'after',
      '\n`hbs2 gc` compacts after it deletes; this also merges the index files that many\n' +
        'short commands leave (each command indexes what it wrote).\n' +
        '\nExample:\n  hbs2 store compact',
    )
    .action(async (_opts: MaintenanceOptions, cmd: Command) => compactCommand(ctx, optionsOf(cmd)));
  store
    .command('migrate')
    .description("copy the store into hbs2 0.25's NCQ3 layout (or back with --to simple)")
    .option('-p, --prefix <dir>', 'store directory')
    .option('--to <layout>', 'ncq3 (default) or simple')
    .option('--json', 'print {to, migrated, blocks, verified, refs}')
    .addHelpText(
      'after',
      '\nEvery block is verified by its hash; a killed run is resumed by running it again.\n' +
        'To NCQ3 it does what `hbs2-peer migrate` does: blocks/ and refs/ become .blocks.backup\n' +
        'and .refs.backup and the marker ss-ncq3-done is written, so hbs2-peer 0.25 starts on\n' +
        'it. Back to simple, ncq3/ becomes .ncq3.backup. Delete the backups once satisfied.\n' +
        '\nExample:\n  hbs2 store migrate\n  hbs2 store migrate --to simple',
    )
    .action(async (_opts: MaintenanceOptions, cmd: Command) => migrateCommand(ctx, optionsOf(cmd)));
}
