/**
 * `hbs2 cat HASH` (spec/cli.md "Storing and reading"): an object's content, decrypted with
 * the caller's keyrings; `-H` its data block hashes, `-r` one raw block, `--metadata` its
 * description.
 */
import { Option, type Command } from 'commander';
import { NotFoundError, UsageError } from '../../errors.js';
import { keyringSources, storeDecryptorOptions } from '../encryption.js';
import { readContent } from '../../ops/content.js';
import { metadataCommand } from './inspect.js';
import { describeObject } from '../../inspect/inspect.js';
import { BlockBufferPool, hashToString, type ReadableBlockStore } from '../../store/index.js';
import { isS3Location } from '../../store/s3/layout.js';
import { BLOCK_SIZE, objectDataHashes } from '../../tree/index.js';
import { collect } from '../args.js';
import { chooseFormat, formatGiven } from '../format-option.js';
import type { CliContext } from '../context.js';
import { printLine } from '../output.js';
import { progressEnabled, withProgress } from '../progress.js';
import { withOutput } from '../io/output-sink.js';
import {
  openReadStore,
  parseHashArg,
  PREFIX_FLAGS,
  PREFIX_HELP,
  S3_BLOCKS_IN_FLIGHT,
  type StoreLocationOptions,
} from '../io/store-location.js';

/** Options of `cat`. */
export interface CatOptions extends StoreLocationOptions {
  output?: string;
  hashesOnly?: boolean;
  raw?: boolean;
  progress?: boolean;
  /** `-k`: keyrings to open encrypted content. */
  keyring?: string[];
  metadata?: boolean;
  /** hbs2 0.25's `--m`, an alias of `--metadata`. */
  m?: boolean;
  json?: boolean;
  yaml?: boolean;
  format?: string;
}

/**
 * Refuses option combinations `cat` would otherwise ignore silently: a form without
 * --metadata, --metadata with an output file or another mode, two modes at once.
 */
function checkCatOptions(opts: CatOptions): void {
  const modes = [
    opts.metadata ? '--metadata' : undefined,
    opts.hashesOnly ? '--hashes-only' : undefined,
    opts.raw ? '--raw' : undefined,
  ].filter((m) => m !== undefined);
  if (modes.length > 1) throw new UsageError(`give only one of ${modes.join(', ')}`);
  if (!opts.metadata && formatGiven(opts))
    throw new UsageError('--json, --yaml and --format describe the object: add --metadata', {
      hint: 'hbs2 cat --metadata --json HASH',
    });
  if ((opts.metadata || opts.hashesOnly) && opts.output !== undefined && opts.output !== '-')
    throw new UsageError(`${modes[0]} prints to stdout: -o is not used with it`, {
      hint: 'redirect stdout instead: hbs2 cat --metadata HASH > FILE',
    });
}

/**
 * `cat HASH`: the object's content (or `-H` its data block hashes, or `-r` the raw
 * block). Every block is verified before any of its bytes is written; the first bad or
 * missing block stops the output with exit 4 or 6.
 */
export async function catCommand(
  ctx: CliContext,
  hashArg: string,
  opts: CatOptions,
): Promise<void> {
  opts.metadata ||= opts.m;
  checkCatOptions(opts);
  const format = chooseFormat(opts, ['yaml', 'json', 'sexp'], 'yaml');
  const hash = parseHashArg(hashArg);
  // Encrypted data blocks are read into recycled buffers (given back below once written),
  // so streaming a big tree does not leave a trail of garbage for the GC.
  const readBuffers = new BlockBufferPool(BLOCK_SIZE + 64);
  const store = await openReadStore(ctx, opts.prefix, { readBuffers, syncReads: true });
  if (opts.metadata) {
    await metadataCommand(ctx, store, hash, hashArg, { keyring: opts.keyring, format });
    return;
  }
  if (opts.hashesOnly) {
    for await (const h of objectDataHashes(store, hash)) await printLine(hashToString(h));
    return;
  }
  if (opts.raw) {
    const block = await store.get(hash);
    if (!block) throw new NotFoundError(`block ${hashArg} not found`);
    await withOutput(opts.output, {}, (sink) => sink.write(block));
    return;
  }
  // A new output file holding the plaintext of encrypted content is readable by its owner
  // only; the reader asks for decryption before the first block, so the mode is known
  // when the file is created.
  let decrypted = false;
  const outputOptions = { createMode: () => (decrypted ? 0o600 : 0o644) };
  const total = (await progressEnabled(ctx, opts.progress))
    ? await plainSizeIfKnown(store, hash)
    : undefined;
  await withOutput(opts.output, outputOptions, (sink) =>
    withProgress(ctx, opts.progress, { label: 'cat', total }, async (p) => {
      const content = readContent(store, hash, {
        keyrings: await keyringSources(ctx, opts.keyring),
        ...storeDecryptorOptions(store, () => {
          decrypted = true;
        }),
        readAhead: isS3Location(store.prefix) ? S3_BLOCKS_IN_FLIGHT : undefined,
        onProgress: (done) => p.update(done),
      });
      for await (const block of content) {
        await sink.write(block);
        readBuffers.release(block);
      }
    }),
  );
}

/**
 * The content size of a plain object, for the progress line's percentage (only computed
 * when the line is shown). Encrypted trees, whose plaintext size needs the key, and
 * anything that fails to describe give none: the line then shows bytes and rate.
 */
async function plainSizeIfKnown(
  store: ReadableBlockStore,
  hash: Uint8Array,
): Promise<number | undefined> {
  try {
    const d = await describeObject(store, hash, { sizeOf: (h) => store.sizeOf(h) });
    return typeof d.size === 'number' && !d.sizeIsCiphertext ? d.size : undefined;
  } catch {
    return undefined;
  }
}

/** Registers `cat`. */
export function register(program: Command, ctx: CliContext): void {
  program
    .command('cat')
    .description("write an object's content: a blob as is, a tree as its data")
    .argument('<hash>', 'base58 hash of the object')
    .option(PREFIX_FLAGS, PREFIX_HELP)
    .option(
      '-o, --output <file>',
      'write to FILE instead of stdout: a file is replaced only on success (decrypted content ' +
        'is created mode 0600); a device or FIFO is written into; - writes binary data even ' +
        'to a terminal',
    )
    .option('-H, --hashes-only', 'print the data block hashes, one per line, in order')
    .option('-r, --raw', 'write the raw bytes of this one block')
    .option('--no-progress', 'no progress bar on stderr')
    .option(
      '-k, --keyring <file>',
      'keyring to decrypt with (repeatable; default: config keyrings)',
      collect,
    )
    .option('--metadata', 'describe the object (type, size, metadata, encryption) instead')
    .addOption(new Option('--m', "hbs2 0.25's spelling of --metadata").hideHelp())
    .option('--json', 'with --metadata: print JSON')
    .option('--yaml', 'with --metadata: print YAML (the default)')
    .option(
      '--format <form>',
      "with --metadata: yaml, json, or sexp (hbs2 0.25's form: only the metadata text)",
    )
    .addHelpText(
      'after',
      '\n--m is accepted for --metadata (hbs2 0.25). --format sexp prints the metadata as hbs2\n' +
        '0.25 does, `((file-name: "a.txt") (mime-type: "text/plain"))`, one item per line when\n' +
        'wider than 80 columns, without a trailing newline (except on a terminal).\n' +
        '\nWith --metadata, encryption.canDecrypt is true only when a trial decryption (the\n' +
        'metadata block, else the first data block) succeeded, and groupKeyIdVerified says\n' +
        'whether groupKeyId was proven by it; false: the id is only declared by the group key.\n' +
        '\nExample:\n  hbs2 cat FMqApxg8fAWSnamHHwHX3hCSXvDFZe1UoqpPmfeCvtu9 -o hello.txt\n' +
        '  hbs2 cat --metadata --json -k me.key FMqApxg8fAWSnamHHwHX3hCSXvDFZe1UoqpPmfeCvtu9',
    )
    .action(async (hash: string, opts: CatOptions) => {
      await catCommand(ctx, hash, opts);
    });
}
