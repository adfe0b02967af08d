/**
 * `hbs2 hash [FILE]`: BLAKE2b-256 of the input, or with `--tree` the root `store` would
 * print, storing nothing.
 */
import type { Command } from 'commander';
import { blake2b256Of, treeRootOf } from '../../ops/content.js';
import { hashToString } from '../../store/index.js';
import type { CliContext } from '../context.js';
import { printJson, printLine } from '../output.js';
import { withProgress } from '../progress.js';
import { hashingRunnerFor, openInput } from '../io/input.js';

/** Options of `hash`. */
export interface HashOptions {
  tree?: boolean;
  progress?: boolean;
  json?: boolean;
}

/** `hash [FILE]`: BLAKE2b-256 of the whole input, or with `--tree` the root `store` gives. */
export async function hashCommand(
  ctx: CliContext,
  file: string | undefined,
  opts: HashOptions,
): Promise<void> {
  const input = await openInput(file);
  if (!opts.tree) {
    await printHash(hashToString(await blake2b256Of(input.source)), 'blake2b-256', opts.json);
    return;
  }
  const runner = hashingRunnerFor(input);
  try {
    const res = await withProgress(ctx, opts.progress, { label: 'hash', total: input.size }, (p) =>
      treeRootOf(input.source, { runner, onProgress: (bytes) => p.update(bytes) }),
    );
    await printHash(hashToString(res.root), 'tree', opts.json);
  } finally {
    await runner.close();
  }
}

async function printHash(hash: string, kind: 'tree' | 'blake2b-256', json?: boolean) {
  if (json) await printJson({ hash, kind });
  else await printLine(hash);
}

/** Registers `hash`. */
export function register(program: Command, ctx: CliContext): void {
  program
    .command('hash')
    .description('BLAKE2b-256 of a file (or stdin); --tree: the root `store` would print')
    .argument('[file]', 'file to hash, or - for standard input')
    .option('--tree', 'print the merkle root hash instead, without storing anything')
    .option('--no-progress', 'no progress bar on stderr')
    .option('--json', 'print {"hash", "kind": "blake2b-256" or "tree"}')
    .addHelpText(
      'after',
      '\nThe hash is followed by a newline (hbs2 0.25 prints none; $(hbs2 hash F) is the same).\n' +
        '\nExample:\n  hbs2 hash --tree photo.jpg',
    )
    .action(async (file: string | undefined, opts: HashOptions) => {
      await hashCommand(ctx, file, opts);
    });
}
