/**
 * `hbs2 pin add|rm|ls` and `hbs2 gc`: named roots kept in the store, and the collection
 * of every block nothing keeps (docs/formats.md "Pins"). Thin wrappers over src/pins.
 */
import * as path from 'node:path';
import { Option, type Command } from 'commander';
import { FormatError, Hbs2Error, UsageError } from '../../errors.js';
import {
  addPin,
  checkPinName,
  gc,
  listPins,
  pinNameFrom,
  removePins,
  summarizePin,
  type PinRecord,
} from '../../pins/index.js';
import { hashToString } from '../../store/hash.js';
import { openStore as openHbs2Store, type Hbs2Store } from '../../store/open.js';
import { s3ConnectionFor } from '../s3.js';
import { resolveStorePath } from '../settings.js';
import type { CliContext } from '../context.js';
import { plural, printJson, printLine, warn } from '../output.js';
import { openStore, parseHashArg } from '../io/store-location.js';

/** An explicit `--name`, checked before anything is written (exit 2 when unusable). */
export function checkNameOption(name: string | undefined): void {
  if (name === undefined) return;
  try {
    checkPinName(name);
  } catch (e) {
    if (e instanceof FormatError) throw new UsageError(`--name: ${e.message}`);
    throw e;
  }
}

/**
 * The pin name `store` uses without `--name`: the file's base name ("stdin" for standard
 * input), made a valid pin name by the library.
 */
export function defaultPinName(file: string | undefined): string {
  if (file === undefined || file === '-') return 'stdin';
  return pinNameFrom(path.basename(file));
}

/**
 * Pins `root` as `name` in `store`; warns when the name held another root. A failure
 * names the root, which is stored: the user can still pin it by hand.
 */
export async function pinStoredRoot(
  store: Hbs2Store,
  root: Uint8Array,
  name: string,
): Promise<void> {
  try {
    const { replaced } = await addPin(store, root, name);
    if (replaced)
      warn(
        `pin '${name}' now names ${hashToString(root)}; ${hashToString(replaced.root)} is no longer pinned by it`,
      );
  } catch (e) {
    // The root is printed nowhere else: it goes into the hint, before any other advice.
    if (e instanceof Hbs2Error)
      e.hint =
        `${hashToString(root)} was stored but not pinned; pin it with \`hbs2 pin add\`` +
        (e.hint === undefined ? '' : `; ${e.hint}`);
    throw e;
  }
}

/** A pin as `pin add|rm|ls` print it: root, size, date, name. */
function pinLine(p: PinRecord): string {
  const j = summarizePin(p);
  return `${j.root}  ${String(j.size).padStart(12)}  ${j.date}  ${j.name}`;
}

/**
 * The store opened for reading only (`pin ls`, `gc --dry-run`): an NCQ3 store is read
 * without hbs2's lock, so these work while hbs2-peer runs.
 */
async function openForReading(ctx: CliContext, prefix: string | undefined): Promise<Hbs2Store> {
  const location = await resolveStorePath(ctx, prefix);
  return openHbs2Store(location, { s3: await s3ConnectionFor(ctx, location) });
}

/** Registers `pin` and `gc`. */
export function register(program: Command, ctx: CliContext): void {
  const pin = program
    .command('pin')
    .description('named roots the store keeps (gc deletes every block no pin or ref needs)')
    .addHelpText(
      'after',
      '\n`hbs2 store` pins the root it prints (named after the file; --name N, --no-pin).\n' +
        'Pins live in the store (as refs), so a copy of the store keeps them.\n' +
        '\nExample:\n  hbs2 pin ls\n  hbs2 pin rm report.pdf\n  hbs2 gc --dry-run',
    );

  pin
    .command('add')
    .description('pin ROOT (every block it needs must be in the store)')
    .argument('<root>', 'base58 root hash')
    .option('-p, --prefix <dir>', 'store directory')
    .option('--name <name>', 'name of the pin (default: the root)')
    .addHelpText(
      'after',
      '\nExample:\n  hbs2 pin add --name q3-report FMqApxg8fAWSnamHHwHX3hCSXvDFZe1UoqpPmfeCvtu9',
    )
    .action(async (rootText: string, opts: { prefix?: string; name?: string }) => {
      const root = parseHashArg(rootText, 'ROOT');
      checkNameOption(opts.name);
      const store = await openStore(ctx, opts.prefix);
      const { pin: p, replaced } = await addPin(store, root, opts.name ?? rootText);
      await store.close();
      if (replaced) warn(`pin '${p.name}' no longer names ${hashToString(replaced.root)}`);
      await printLine(pinLine(p));
    });

  pin
    .command('rm')
    .description('remove the pin named NAME; for a root hash, every pin of that root too')
    .argument('<name-or-root>', 'a pin name, or a root hash')
    .option('-p, --prefix <dir>', 'store directory')
    .addHelpText('after', '\nExample:\n  hbs2 pin rm report.pdf && hbs2 gc')
    .action(async (target: string, opts: { prefix?: string }) => {
      const store = await openStore(ctx, opts.prefix);
      const removed = await removePins(store, target);
      await store.close();
      for (const p of removed) await printLine(`unpinned ${pinLine(p)}`);
    });

  pin
    .command('ls')
    .description('list pins: root, size in bytes, date, name')
    .option('-p, --prefix <dir>', 'store directory')
    .option('--json', 'print [{name, root, size, date}] as JSON')
    .addHelpText('after', '\nExample:\n  hbs2 pin ls --json')
    .action(async (opts: { prefix?: string; json?: boolean }) => {
      const store = await openForReading(ctx, opts.prefix);
      const pins = await listPins(store);
      await store.close();
      if (opts.json) await printJson(pins.map(summarizePin));
      else for (const p of pins) await printLine(pinLine(p));
    });

  program
    .command('gc')
    .description('delete every block no pin, ref or indexed group key needs')
    .option('-p, --prefix <dir>', 'store directory')
    .option('--dry-run', 'only report what would be deleted')
    .addOption(new Option('-n', 'old spelling of --dry-run').hideHelp())
    .option('--json', 'print {live, recent, reclaimed: {blocks, bytes, hashes}} as JSON')
    .addHelpText(
      'after',
      '\nBlocks written in the last seconds are kept (a store may be running). Nothing is\n' +
        'deleted when a pinned block is missing or corrupt (exit 6 or 4).\n' +
        '\nExample:\n  hbs2 gc --dry-run',
    )
    .action(async (given: { prefix?: string; dryRun?: boolean; n?: boolean; json?: boolean }) => {
      const opts = { ...given, dryRun: given.dryRun || given.n };
      const store = opts.dryRun
        ? await openForReading(ctx, opts.prefix)
        : await openStore(ctx, opts.prefix);
      const r = await gc(store, { dryRun: opts.dryRun });
      await store.close();
      const n = r.reclaimed.hashes.length;
      if (opts.json) {
        await printJson({
          dryRun: Boolean(opts.dryRun),
          live: r.live,
          recent: r.recent,
          reclaimed: {
            blocks: n,
            bytes: r.reclaimed.bytes,
            hashes: r.reclaimed.hashes.map(hashToString),
          },
        });
        return;
      }
      if (opts.dryRun)
        for (const h of r.reclaimed.hashes) await printLine(`would delete ${hashToString(h)}`);
      await printLine(
        `${opts.dryRun ? 'would reclaim' : 'reclaimed'} ${plural(n, 'block')}, ${r.reclaimed.bytes} bytes; ` +
          `kept ${plural(r.live, 'live block')}` +
          (r.recent > 0 ? `, ${plural(r.recent, 'recent unpinned block')}` : ''),
      );
    });
}
