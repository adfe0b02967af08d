/**
 * `hbs2 fsck [--repair]`: checks every block of the store (any layout) through the
 * library's `checkStoreAt` and prints one line per problem and a summary.
 */
import type { Command } from 'commander';
import * as path from 'node:path';
import { IntegrityError } from '../../errors.js';
import { checkStoreAt, type StoreCheckResult } from '../../rotate/store-check.js';
import type { FsckProblem } from '../../store/index.js';
import type { NcqCheckResult, NcqProblem } from '../../store/ncq3/fsck.js';
import { isS3Location } from '../../store/s3/layout.js';
import type { CliContext } from '../context.js';
import { info, plural, printJson, printLine, warn } from '../output.js';
import { withProgress } from '../progress.js';
import { s3ConnectionFor } from '../s3.js';
import { existingStorePath } from '../settings.js';
import { PREFIX_FLAGS, PREFIX_HELP, type StoreLocationOptions } from '../io/store-location.js';

/** Options of `fsck`. */
export interface FsckCommandOptions extends StoreLocationOptions {
  repair?: boolean;
  json?: boolean;
  progress?: boolean;
}

/** How a problem of a simple or S3 store prints. */
function problemLine(p: FsckProblem): string {
  const action = p.action === 'none' ? '' : ` [${p.action}]`;
  const block = p.hash ? ` (block ${p.hash})` : '';
  return `${p.kind} ${p.path}${block}: ${p.detail}${action}`;
}

/**
 * Prints an NCQ3 store's check. A torn tail of a pending file, or a file no state lists, is
 * reported but is not a failure: hbs2 drops those unacknowledged bytes itself. With
 * `--repair` every problem found still prints, marked `[repaired]` when it is gone.
 */
async function reportNcq(
  location: string,
  found: NcqCheckResult,
  now: NcqCheckResult,
  opts: FsckCommandOptions,
): Promise<void> {
  const failures = now.problems.filter((p) => p.integrity).length;
  const remains = (p: NcqProblem) =>
    now.problems.some((q) => q.kind === p.kind && q.path === p.path && q.offset === p.offset);
  if (opts.json)
    await printJson({
      store: path.resolve(location),
      layout: 'ncq3',
      ...now,
      ...(opts.repair ? { repaired: found.problems.filter((p) => !remains(p)) } : {}),
    });
  else {
    for (const p of found.problems) {
      const at = p.offset !== undefined ? ` at ${p.offset}` : '';
      const block = p.hash ? ` (block ${p.hash})` : '';
      const action = opts.repair && !remains(p) ? ' [repaired]' : '';
      await printLine(`${p.kind} ${p.path}${at}${block}: ${p.detail}${action}`);
    }
    await printLine(
      `checked ${plural(now.files, 'NCQ3 data file')}, ${now.sections} sections, ` +
        `${now.blocks} blocks verified: ${plural(failures, 'problem')}`,
    );
  }
  if (failures > 0)
    throw new IntegrityError(`store check failed: ${plural(failures, 'problem')} in ${location}`);
}

/**
 * Prints a simple-layout or S3 store's check: one line per problem, stale temp files as
 * warnings (an interrupted command, not a problem of the store), the key index's state
 * and a summary.
 */
async function reportBlocks(
  location: string,
  r: StoreCheckResult,
  opts: FsckCommandOptions,
): Promise<void> {
  const { keyIndexProblem, keyIndexRebuilt: n } = r;
  if (n !== undefined)
    info(
      `key index: ${plural(n, 'group key')} indexed${keyIndexProblem ? ' (the corrupt index was moved to quarantine/)' : ''}`,
    );
  else if (keyIndexProblem) await printLine(`key index: ${keyIndexProblem}`);
  const stale = r.problems.filter((p) => p.kind === 'stale-temp');
  const problems = r.problems.filter((p) => p.kind !== 'stale-temp');
  const repaired = problems.filter((p) => p.action !== 'none').length;
  const summary =
    `checked ${plural(r.checked, 'file')}: ${r.ok} ok, ${plural(problems.length, 'problem')}` +
    (opts.repair ? `, ${repaired} repaired` : '') +
    (stale.length > 0
      ? `, ${plural(stale.length, 'stale temp file')}` + (opts.repair ? ' removed' : '')
      : '');
  if (opts.json)
    await printJson({
      store: isS3Location(location) ? location : path.resolve(location),
      checked: r.checked,
      ok: r.ok,
      problems: r.problems,
      unrepaired: r.unrepaired,
    });
  else {
    for (const p of problems) await printLine(problemLine(p));
    for (const p of stale)
      if (p.action === 'none')
        warn(`${problemLine(p)} (harmless; \`hbs2 fsck --repair\` removes it)`);
    await printLine(summary);
  }
  if (r.unrepaired > 0)
    throw new IntegrityError(
      `store check failed: ${plural(r.unrepaired, 'problem')} in ${location}`,
      {
        hint: opts.repair
          ? undefined
          : 'run `hbs2 fsck --repair` to quarantine bad blocks and remove stale temp files',
      },
    );
}

/**
 * `fsck [--repair]`: checks the store in whichever layout it holds (the library's
 * `checkStoreAt`); one line per problem and a summary; exit 4 when a problem remains (with
 * `--repair`, every repaired problem still prints but no longer fails).
 */
export async function fsckCommand(ctx: CliContext, opts: FsckCommandOptions): Promise<void> {
  const location = await existingStorePath(ctx, opts.prefix);
  const s3 = await s3ConnectionFor(ctx, location);
  const checked = await withProgress(
    ctx,
    opts.progress,
    { label: 'fsck: blocks checked', unit: 'items' },
    (p) => checkStoreAt(location, { repair: opts.repair, s3, onFile: (n) => p.update(n) }),
  );
  if (checked.layout === 'ncq3') await reportNcq(location, checked.found, checked.now, opts);
  else await reportBlocks(location, checked.result, opts);
}

/** Registers `fsck`. */
export function register(program: Command, ctx: CliContext): void {
  program
    .command('fsck')
    .description('check every block of the store; --repair quarantines bad ones')
    .option(PREFIX_FLAGS, PREFIX_HELP)
    .option(
      '--repair',
      'move bad blocks to quarantine/ (never deletes) and remove stale temp files',
    )
    .option('--json', 'print {checked, ok, problems, unrepaired} as JSON')
    .option('--no-progress', 'no progress line on stderr')
    .addHelpText('after', '\nExample:\n  hbs2 fsck --repair')
    .action(async (opts: FsckCommandOptions) => {
      await fsckCommand(ctx, opts);
    });
}
