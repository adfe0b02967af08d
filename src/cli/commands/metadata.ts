/**
 * hbs2's metadata commands (spec blocks-trees-storage §4.3): `metadata create --auto FILE`
 * stores FILE as a tree annotated with a metadata block; `metadata dump HASH` prints the
 * metadata text, decrypting it when the tree is encrypted and a key opens it.
 */
import { Option, type Command } from 'commander';
import { UsageError } from '../../errors.js';
import { hashToString } from '../../store/index.js';
import { writeTreeWithMetadataBlock } from '../../tree/encrypted-tree.js';
import { collect } from '../args.js';
import type { CliContext } from '../context.js';
import { autoMetadata } from '../../ops/auto-metadata.js';
import { chooseFormat } from '../format-option.js';
import { metadataFields } from '../../inspect/metadata-sexp.js';
import { printJson, printLine, writeStdout } from '../output.js';
import { printSexp, readMetadataText } from './inspect.js';
import { openInput } from '../io/input.js';
import { openReadStore, openStore, parseHashArg } from '../io/store-location.js';

interface CreateOptions {
  auto?: boolean;
  dry?: boolean;
  dryRun?: boolean;
  hash?: boolean;
  hashOnly?: boolean;
  prefix?: string;
}

async function createCommand(ctx: CliContext, file: string, given: CreateOptions): Promise<void> {
  // -n and -H are the old spellings: -n is --number and -H --hashes-only elsewhere.
  const opts = { ...given, dry: given.dry || given.dryRun, hash: given.hash || given.hashOnly };
  if (!opts.auto)
    throw new UsageError('only --auto metadata is supported', {
      hint: 'use `hbs2 store --meta TEXT FILE` for your own text',
    });
  const text = await autoMetadata(file);
  // Opened before anything is printed: a store that cannot be written fails cleanly.
  const store = opts.dry ? undefined : await openStore(ctx, opts.prefix);
  if (!opts.hash) await writeStdout(`${text}\n\n`);
  if (!store) return;
  const input = await openInput(file);
  // Unlike hbs2 we keep the plain root: deleting it could delete a tree stored before.
  const res = await writeTreeWithMetadataBlock(store.blocks, input.source, text);
  await store.close();
  await printLine(hashToString(res.annotation));
}

async function dumpCommand(
  ctx: CliContext,
  hashArg: string,
  opts: { keyring?: string[]; prefix?: string; json?: boolean; format?: string },
): Promise<void> {
  const format = chooseFormat(opts, ['text', 'json', 'sexp'], 'text');
  const hash = parseHashArg(hashArg);
  const store = await openReadStore(ctx, opts.prefix);
  const text = await readMetadataText(ctx, store, hash, hashArg, opts.keyring);
  if (format === 'sexp') await printSexp(text);
  else if (format === 'json')
    await printJson({ hash: hashArg, text, fields: metadataFields(text) });
  else await writeStdout(text.endsWith('\n') ? text : text + '\n');
}

/** Registers `metadata create` and `metadata dump`. */
export function register(program: Command, ctx: CliContext): void {
  const metadata = program
    .command('metadata')
    .description('annotated tree metadata (hbs2 compatible)')
    .addHelpText(
      'after',
      '\nExample:\n  hbs2 metadata create --auto report.pdf && hbs2 metadata dump ROOT',
    );
  metadata
    .command('create')
    .description('store FILE as a tree annotated with file-name and mime-type metadata')
    .argument('<file>', 'file to store')
    .option('--auto', 'record file-name and mime-type (required)')
    .option('--dry-run', 'only print the metadata text')
    .addOption(new Option('-n, --dry', 'old spelling of --dry-run').hideHelp())
    .option('--hash-only', 'print only the hash')
    .addOption(new Option('-H, --hash', 'old spelling of --hash-only').hideHelp())
    .option('-p, --prefix <dir>', 'store directory')
    .addHelpText('after', '\nExample:\n  hbs2 metadata create --auto report.pdf')
    .action((file: string, opts: CreateOptions) => createCommand(ctx, file, opts));
  metadata
    .command('dump')
    .description("print a tree's metadata text (decrypted when a key opens it)")
    .argument('<hash>', 'annotated tree hash')
    .option('-k, --keyring <file>', 'keyring for encrypted metadata (repeatable)', collect)
    .option('-p, --prefix <dir>', 'store directory')
    .option('--json', 'print {"hash", "text", "fields": {key: value}}')
    .option('--format <form>', "text (default), json, or sexp (hbs2 0.25's `metadata dump`)")
    .addHelpText(
      'after',
      '\nThe text form is the metadata text and a newline. hbs2 0.25 prints the s-expression\n' +
        '(`--format sexp`, as `hbs2 cat --metadata --format sexp`).\n' +
        '\nExample:\n  hbs2 metadata dump -k me.key 8ZvpuzGbJ9hKxJqTrRDDdq4pRZnp3g94uBwmxYdyRH4r',
    )
    .action((hash: string, opts: { keyring?: string[]; prefix?: string; json?: boolean }) =>
      dumpCommand(ctx, hash, opts),
    );
}
