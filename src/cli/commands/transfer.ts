/**
 * `hbs2 store push DEST` / `hbs2 store pull SRC`: copy what the other store lacks, between
 * the store of `-p` (or $HBS2_STORE, the config, the default) and another store, a
 * directory or `s3://BUCKET/PREFIX`. The whole store, or with --root / --pin the closure
 * of those objects (with the pins' refs).
 */
import type { Command } from 'commander';
import { NotFoundError } from '../../errors.js';
import { findPin } from '../../pins/pins.js';
import { parseHash } from '../../store/hash.js';
import { openStore, type Hbs2Store } from '../../store/open.js';
import { transfer, type RefEntry, type TransferResult } from '../../transfer/transfer.js';
import { collect } from '../args.js';
import type { CliContext } from '../context.js';
import { info, printJson } from '../output.js';
import { createProgress, formatBytes, progressEnabled } from '../progress.js';
import { s3ConnectionFor } from '../s3.js';
import { resolveStorePath } from '../settings.js';

/** Options of push and pull. */
interface TransferCommandOptions {
  prefix?: string;
  root?: string[];
  pin?: string[];
  jobs?: string;
  progress?: boolean;
  json?: boolean;
}

/** Opens the store at `location` (a directory or s3://). */
async function open(ctx: CliContext, location: string, write: boolean): Promise<Hbs2Store> {
  return openStore(location, { write, s3: await s3ConnectionFor(ctx, location) });
}

/** The roots and refs of `--root` and `--pin`, looked up in `src`. */
async function selection(
  src: Hbs2Store,
  opts: TransferCommandOptions,
): Promise<{ roots: Uint8Array[]; refs: RefEntry[] } | undefined> {
  if (!opts.root?.length && !opts.pin?.length) return undefined;
  const roots = (opts.root ?? []).map((r) => parseHash(r, `--root '${r}'`));
  const refs: RefEntry[] = [];
  for (const name of opts.pin ?? []) {
    const found = await findPin(src, name);
    if (!found) throw new NotFoundError(`no pin named '${name}' in ${src.location}`);
    roots.push(found.pin.root);
    refs.push(found.ref);
  }
  return { roots, refs };
}

async function run(
  ctx: CliContext,
  direction: 'push' | 'pull',
  other: string,
  opts: TransferCommandOptions,
): Promise<void> {
  const here = await resolveStorePath(ctx, opts.prefix);
  const [from, to] = direction === 'push' ? [here, other] : [other, here];
  const src = await open(ctx, from, false);
  const dst = await open(ctx, to, true);
  const progress = createProgress({
    label: direction === 'push' ? 'pushed' : 'pulled',
    enabled: await progressEnabled(ctx, opts.progress),
  });
  let result: TransferResult;
  try {
    const picked = await selection(src, opts);
    result = await transfer(src, dst, {
      ...picked,
      concurrency: opts.jobs === undefined ? undefined : Math.max(1, Number(opts.jobs) | 0),
      onProgress: (p) => progress.update(p.bytes),
    });
  } finally {
    progress.finish();
    await Promise.allSettled([src.close(), dst.close()]);
  }
  if (opts.json) await printJson({ from, to, ...result });
  else {
    info(
      `${result.copied} of ${result.seen} blocks copied (${formatBytes(result.bytes)}), ` +
        `${result.refsCopied} refs copied, ${result.refsPresent} already there` +
        (result.keyIndexEntries > 0
          ? `; ${result.keyIndexEntries} group key(s) indexed by id`
          : ''),
    );
    for (const k of result.refsKept) info(`ref ${k}: kept the destination's different value`);
  }
}

/** Registers `store push` and `store pull` under the `store` command. */
export function registerTransfer(store: Command, ctx: CliContext): void {
  const common = (c: Command): Command =>
    c
      .option('-p, --prefix <dir>', 'this side: store directory or s3://BUCKET/PREFIX')
      .option('--root <hash>', 'copy only this object and what it needs (repeatable)', collect)
      .option(
        '--pin <name>',
        'copy only this pin, its object and what it needs (repeatable)',
        collect,
      )
      .option('-j, --jobs <n>', 'blocks in flight (default 16)')
      .option('--no-progress', 'no progress bar on stderr')
      .option('--json', 'print the counts as one JSON document');
  common(
    store
      .command('push')
      .description('copy the blocks and refs the destination lacks to DEST')
      .argument('<dest>', 'store directory or s3://BUCKET/PREFIX'),
  )
    .addHelpText(
      'after',
      '\nResumable: only what DEST lacks is copied, every block verified on the way.\n' +
        'Refs follow the blocks; an LWW ref keeps the higher value, a pin that differs is kept.\n' +
        '\nExample:\n  hbs2 store push s3://team-bucket/hbs2\n  hbs2 store push --pin report.pdf s3://team-bucket/hbs2',
    )
    .action((dest: string, opts: TransferCommandOptions) => run(ctx, 'push', dest, opts));
  common(
    store
      .command('pull')
      .description('copy the blocks and refs this store lacks from SRC')
      .argument('<src>', 'store directory or s3://BUCKET/PREFIX'),
  )
    .addHelpText('after', '\nExample:\n  hbs2 store pull s3://team-bucket/hbs2')
    .action((src: string, opts: TransferCommandOptions) => run(ctx, 'pull', src, opts));
}
