/**
 * hbs2's metadata commands (spec blocks-trees-storage §4.3): `metadata create --auto FILE`
 * stores FILE as a tree annotated with a metadata block; `metadata dump HASH` prints the
 * metadata text, decrypting it when the tree is encrypted and a key opens it.
 */
import type { Command } from 'commander';
import { IntegrityError, NoMatchingKeyError, NotFoundError, UsageError } from '../../errors.js';
import { describeMetadata } from '../../inspect/inspect.js';
import { FsKeyIndex } from '../../rotate/key-index.js';
import { hashToString } from '../../store/index.js';
import { writeAnnotatedTree } from '../../tree/encrypted-tree.js';
import { collect } from '../args.js';
import type { CliContext } from '../context.js';
import { autoMetadata } from '../autometa.js';
import { keyringSources } from '../encryption.js';
import { printLine, warn, writeStdout } from '../output.js';
import { openInput, openReadStore, openStore, parseHashArg } from './store.js';

interface CreateOptions {
  auto?: boolean;
  dry?: boolean;
  hash?: boolean;
  prefix?: string;
}

async function createCommand(ctx: CliContext, file: string, opts: CreateOptions): Promise<void> {
  if (!opts.auto)
    throw new UsageError('only --auto metadata is supported', {
      hint: 'use `hbs2 store --meta TEXT FILE` for your own text',
    });
  const text = await autoMetadata(file);
  // Opened before anything is printed: a store that cannot be written fails cleanly.
  const store = opts.dry ? undefined : await openStore(ctx, opts.prefix);
  if (!opts.hash) await writeStdout(`${text}\n\n`);
  if (!store) return;
  const metaBlock = await store.blocks.put(new TextEncoder().encode(text));
  const input = await openInput(file);
  // Unlike hbs2 we keep the plain root: deleting it could delete a tree stored before.
  const res = await writeAnnotatedTree(store.blocks, input.source, {
    kind: 'ref',
    hash: metaBlock,
  });
  await store.close();
  await printLine(hashToString(res.annotation));
}

async function dumpCommand(
  ctx: CliContext,
  hashArg: string,
  opts: { keyring?: string[]; prefix?: string },
): Promise<void> {
  const hash = parseHashArg(hashArg);
  const store = await openReadStore(ctx, opts.prefix);
  const { metadata, warnings } = await describeMetadata(store, hash, {
    keyrings: await keyringSources(ctx, opts.keyring),
    keyIndex: new FsKeyIndex(store.prefix),
    onWarning: warn,
  });
  if (metadata.kind === 'none') throw new NotFoundError(`${hashArg} has no metadata`);
  if (warnings.length > 0)
    throw new IntegrityError(
      `the metadata of ${hashArg} is not vouched for by its group key (clear text in an encrypted tree, or a metadata block from elsewhere)`,
      { hint: '`hbs2 cat --metadata` shows it as a warning' },
    );
  if (metadata.text === null)
    throw new NoMatchingKeyError(
      'the metadata is encrypted and no keyring entry opens its group key',
      [],
      {
        hint: 'give a keyring with -k',
      },
    );
  await writeStdout(metadata.text);
  if (process.stdout.isTTY) await writeStdout('\n');
}

/** Registers `metadata create` and `metadata dump`. */
export function register(program: Command, ctx: CliContext): void {
  const metadata = program
    .command('metadata')
    .description('annotated tree metadata (hbs2 compatible)');
  metadata
    .command('create')
    .description('store FILE as a tree annotated with file-name and mime-type metadata')
    .argument('<file>', 'file to store')
    .option('--auto', 'record file-name and mime-type (required)')
    .option('-n, --dry', 'only print the metadata text')
    .option('-H, --hash', 'print only the hash')
    .option('-p, --prefix <dir>', 'store directory')
    .addHelpText('after', '\nExample:\n  hbs2 metadata create --auto report.pdf')
    .action((file: string, opts: CreateOptions) => createCommand(ctx, file, opts));
  metadata
    .command('dump')
    .description("print a tree's metadata text (decrypted when a key opens it)")
    .argument('<hash>', 'annotated tree hash')
    .option('-k, --keyring <file>', 'keyring for encrypted metadata (repeatable)', collect)
    .option('-p, --prefix <dir>', 'store directory')
    .addHelpText(
      'after',
      '\nExample:\n  hbs2 metadata dump -k me.key 8ZvpuzGbJ9hKxJqTrRDDdq4pRZnp3g94uBwmxYdyRH4r',
    )
    .action((hash: string, opts: { keyring?: string[]; prefix?: string }) =>
      dumpCommand(ctx, hash, opts),
    );
}
