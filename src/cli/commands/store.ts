/**
 * `hbs2 store [FILE|-]` (spec/cli.md "Storing and reading"): the input as hbs2's plain
 * tree, an annotated tree with metadata options, or with `-g` an encrypted annotated tree;
 * the root is pinned and printed once it is durable. `store push`/`pull` are added by
 * transfer.ts, `store compact`/`migrate` by store-maintenance.ts.
 */
import type { Command } from 'commander';
import { FormatError, InputChangedError, IntegrityError, UsageError } from '../../errors.js';
import { decodeBase58 } from '../../codec/base58.js';
import { runnerFor } from '../../parallel/pool.js';
import type { EncryptionMethod } from '../../tree/encrypted-tree.js';
import { keyringSources } from '../encryption.js';
import { keyringsForStore, readStoreGroupKey } from '../store-groupkey.js';
import { storeEncrypted, storePlain } from '../../ops/content.js';
import { autoMetadata } from '../../ops/auto-metadata.js';
import { readFileChecked } from '../../fsutil.js';
import { hashToString, MAX_METADATA_TEXT_BYTES } from '../../store/index.js';
import { initStoreDirectories, type Hbs2Store } from '../../store/open.js';
import { collect } from '../args.js';
import type { CliContext } from '../context.js';
import { printJson, printLine } from '../output.js';
import { withProgress } from '../progress.js';
import { hashingRunnerFor, openInput } from '../io/input.js';
import {
  BLOCK_FSYNCS_AT_ONCE,
  openStore,
  PREFIX_FLAGS,
  PREFIX_HELP,
  S3_BLOCKS_IN_FLIGHT,
  type StoreLocationOptions,
} from '../io/store-location.js';
import { registerTransfer } from './transfer.js';
import { checkNameOption, defaultPinName, pinStoredRoot } from './pin.js';

/** Options of `store`. */
export interface StoreOptions extends StoreLocationOptions {
  progress?: boolean;
  /** `-g`: group key file to encrypt for. */
  groupkey?: string;
  /** `-k`: keyrings whose entries may open the group key. */
  keyring?: string[];
  /** `-P`: hbs2 0.24's public key of the keyring entry that opens the group key. */
  publicKey?: string;
  /** `--init`: hbs2 0.24's "initialise the storage and exit". */
  init?: boolean;
  meta?: string;
  metaFile?: string;
  autoMeta?: boolean;
  shortMetaBase58?: string;
  /** Use a random tree nonce instead of the content-derived one. */
  randomNonce?: boolean;
  /** `--method`: `2` (default, keyed per-block nonces) or `1` (hbs2 0.24's `store -g`). */
  method?: string;
  /** `--name`: the pin's name (default: the file's base name, or "stdin"). */
  name?: string;
  /** False with `--no-pin`. */
  pin?: boolean;
  /** `--json`: `{"root", "pin"}` instead of the bare root. */
  json?: boolean;
  /** `--format`: the layout of a store this command creates. */
  format?: string;
}

/**
 * The end of every `store`: makes the blocks durable, pins the root (unless `--no-pin`)
 * and only then prints it, so a printed root is always pinned.
 */
async function finishStore(
  store: Hbs2Store,
  root: Uint8Array,
  file: string | undefined,
  opts: StoreOptions,
): Promise<Uint8Array> {
  await store.blocks.flush();
  const pin = opts.pin !== false ? (opts.name ?? defaultPinName(file)) : null;
  if (pin !== null) await pinStoredRoot(store, root, pin);
  await store.close();
  if (opts.json) await printJson({ root: hashToString(root), pin });
  else await printLine(hashToString(root));
  return root;
}

/** The metadata text the options ask for, or undefined for none. */
async function metadataText(
  file: string | undefined,
  opts: StoreOptions,
): Promise<string | undefined> {
  const given = [opts.meta, opts.metaFile, opts.autoMeta, opts.shortMetaBase58].filter(
    (x) => x !== undefined && x !== false,
  );
  if (given.length > 1)
    throw new UsageError('give only one of --meta, --meta-file, --auto-meta, --short-meta-base58');
  if (opts.meta !== undefined) return opts.meta;
  if (opts.metaFile !== undefined)
    return decodeUtf8Strict(
      await readFileChecked(opts.metaFile, MAX_METADATA_TEXT_BYTES),
      opts.metaFile,
    );
  if (opts.shortMetaBase58 !== undefined)
    return decodeUtf8Strict(
      decodeBase58(opts.shortMetaBase58, '--short-meta-base58'),
      '--short-meta-base58',
    );
  if (opts.autoMeta) {
    if (file === undefined || file === '-')
      throw new UsageError('--auto-meta needs a FILE (it records the file name)');
    return autoMetadata(file);
  }
  return undefined;
}

function decodeUtf8Strict(bytes: Uint8Array, what: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new FormatError(`${what}: metadata is not valid UTF-8 text`);
  }
}

/** Parses `--method`: 2 (the default) or 1. */
function parseMethod(text: string | undefined): EncryptionMethod {
  if (text === undefined || text === '2') return 2;
  if (text === '1') return 1;
  throw new UsageError(`--method must be 1 or 2, got '${text}'`);
}

/**
 * `store [FILE|-]`: writes the input as hbs2's plain tree and prints the root; with
 * metadata options an annotated tree; with `-g` an encrypted annotated tree.
 */
export async function storeCommand(
  ctx: CliContext,
  file: string | undefined,
  opts: StoreOptions,
): Promise<Uint8Array> {
  if (opts.pin === false && opts.name !== undefined)
    throw new UsageError('--name names the pin: it cannot be used with --no-pin');
  checkNameOption(opts.name);
  if (opts.publicKey !== undefined && opts.groupkey === undefined)
    throw new UsageError('-P/--public-key is only used with -g GROUPKEY');
  if (opts.init) {
    if (file !== undefined) throw new UsageError('--init only initialises the store: no FILE');
    const store = await openStore(ctx, opts.prefix, { format: opts.format });
    await initStoreDirectories(store);
    await store.close();
    return new Uint8Array();
  }
  const meta = await metadataText(file, opts);
  const store = await openStore(ctx, opts.prefix, { format: opts.format });
  if (opts.groupkey !== undefined) {
    const method = parseMethod(opts.method);
    const input = await openInput(file, { rereadable: !opts.randomNonce });
    // Started early: the workers boot while the key is opened.
    const runner = runnerFor(input.size);
    try {
      const { gk } = await readStoreGroupKey(store.blocks, opts.groupkey);
      const keyrings = keyringsForStore(
        opts.groupkey,
        await keyringSources(ctx, opts.keyring),
        opts.publicKey,
      );
      // A regular file is read twice on one descriptor: a pass for the deterministic
      // tree nonce, then the encryption, which re-checks every chunk against the first
      // pass. Anything else (stdin, pipes, devices) is read once, under a random nonce.
      const res = await withProgress(
        ctx,
        opts.progress,
        { label: 'store', total: input.size },
        (p) =>
          storeEncrypted(store.blocks, input.source, {
            groupKey: gk,
            keyrings,
            keyIndex: store.keyIndex,
            reread: input.again,
            method,
            metadata: meta,
            runner,
            onProgress: (bytes) => p.update(bytes),
            parallelism: Math.max(
              store.layout === 's3' ? S3_BLOCKS_IN_FLIGHT : 8,
              runner.parallelism * 4,
            ),
          }),
      );
      return await finishStore(store, res.root, file, opts);
    } catch (e) {
      if (e instanceof InputChangedError)
        throw new IntegrityError(`${file}: the file changed while it was being stored`, {
          hint: 'nothing refers to what was written; store it again once it is stable',
        });
      throw e;
    } finally {
      await input.close();
      await runner.close();
    }
  }
  if (opts.keyring !== undefined && opts.keyring.length > 0)
    throw new UsageError('-k is only used with -g GROUPKEY');
  if (opts.method !== undefined || opts.randomNonce)
    throw new UsageError(
      `${opts.method !== undefined ? '--method' : '--random-nonce'} is only used with -g GROUPKEY`,
    );
  const input = await openInput(file);
  const runner = hashingRunnerFor(input);
  try {
    const res = await withProgress(ctx, opts.progress, { label: 'store', total: input.size }, (p) =>
      storePlain(store.blocks, input.source, {
        metadata: meta,
        runner,
        onProgress: (bytes) => p.update(bytes),
        // A put resolves once its block is durable: enough in flight to keep every
        // pooled fsync (or S3 request) busy while the next blocks are read and hashed.
        parallelism: Math.max(
          store.layout === 's3' ? S3_BLOCKS_IN_FLIGHT : BLOCK_FSYNCS_AT_ONCE + 4,
          runner.parallelism * 4,
        ),
      }),
    );
    return await finishStore(store, res.root, file, opts);
  } finally {
    await runner.close();
  }
}

/** Registers `store` (and, through transfer.ts, `store push` and `store pull`). */
export function register(program: Command, ctx: CliContext): void {
  program
    .command('store')
    .description('store a file (or stdin) as a merkle tree of 256 KiB blocks; prints the root hash')
    .argument('[file]', 'file to store, or - for standard input')
    .option(PREFIX_FLAGS, PREFIX_HELP)
    .option('--no-progress', 'no progress bar on stderr')
    .option(
      '-g, --groupkey <file|hash>',
      'encrypt for the members of this group key file, or of the group key tree HASH in the store',
    )
    .option(
      '-k, --keyring <file>',
      "a member's keyring, whose entry opens the group key (repeatable)",
      collect,
    )
    .option(
      '-P, --public-key <key>',
      "with -g: use only the keyring entry with this public key (hbs2's -P)",
    )
    .option('--init', 'only initialise the store directory and exit (hbs2 0.24)')
    .option('--meta <text>', 'annotate the tree with this metadata text')
    .option('--meta-file <file>', 'annotate the tree with the text of this file')
    .option('--auto-meta', 'record file-name and mime-type as metadata')
    .option('--short-meta-base58 <b58>', 'metadata text given as base58 of its UTF-8 bytes')
    .option(
      '--random-nonce',
      'with -g: a random tree nonce (no deduplication; equal files get different roots)',
    )
    .option(
      '--method <n>',
      "with -g: 2 (default) keyed per-block nonces; 1 hbs2 0.24's store -g (see below)",
    )
    .option('--name <name>', 'name of the pin of the root (default: the file name, or stdin)')
    .option('--no-pin', 'do not pin the root (gc may then delete it)')
    .option('--json', 'print {"root", "pin"} (pin: its name, or null with --no-pin)')
    .option(
      '--format <layout>',
      'layout of a store this creates: ncq3 (default, hbs2 0.25) or simple (hbs2 0.24)',
    )
    .addHelpText(
      'after',
      '\nWith -g, a file is encrypted deterministically under the group secret: the same file\n' +
        'under the same secret gives the same root, so members deduplicate, while nonces are\n' +
        'keyed by the secret, so nobody without it can confirm a guess of the content or of\n' +
        'the metadata. The file is read twice (nonce pass, then encryption, every chunk\n' +
        're-checked); stdin, pipes, devices and files of size 0 (/proc) are read once\n' +
        'under a random tree nonce. Block nonces follow hbs2 (position and content), so\n' +
        'equal chunks of two trees under one secret stay recognisable as equal.\n' +
        '-g takes a group key file (hbs2 0.24) or the hash of a group key already in the store\n' +
        "(hbs2 0.25). Encrypting needs a member's keyring (-k): the tree is encrypted with the\n" +
        'group secret, which only a member can unseal. hbs2 0.24 requires -P; here it is\n' +
        'optional and, when given, must name an entry of the keyrings.\n' +
        '--method 1 writes exactly what hbs2 0.24 `store -g` writes (same roots), but its tree\n' +
        'nonce is an unkeyed hash of the content: anyone with the store can confirm a guess of\n' +
        'the whole file, and equal files are visibly equal. Every hbs2 version reads both.\n' +
        '\nExample:\n  hbs2 store photo.jpg\n  tar c dir | hbs2 store -\n' +
        '  hbs2 store -g team.gk -k me.key --meta "quarterly report" report.pdf',
    )
    .action(async (file: string | undefined, opts: StoreOptions) => {
      await storeCommand(ctx, file, opts);
    });
  registerTransfer(
    program.commands.find((c) => c.name() === 'store')!,
    ctx,
  );
}
