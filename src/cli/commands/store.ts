/**
 * Storing and reading (spec/cli.md "Storing and reading"): `store`, `cat`, `hash`,
 * `deps`, `del`, `fsck`. Each command is one exported action function taking parsed
 * options, so encryption and metadata options can be layered on without touching the
 * others.
 */
import { Option, type Command } from 'commander';
import { promises as fs, readSync } from 'node:fs';
import * as path from 'node:path';
import { crypto } from '../../crypto/index.js';
import {
  FormatError,
  InputChangedError,
  IntegrityError,
  NotFoundError,
  UsageError,
} from '../../errors.js';
import { decodeBase58 } from '../../codec/base58.js';
import { inlineRunner, runnerFor } from '../../parallel/pool.js';
import { writeAnnotatedTree, type EncryptionMethod } from '../../tree/encrypted-tree.js';
import { keyringSources, storeDecryptorOptions } from '../encryption.js';
import { keyringsForStore, readStoreGroupKey } from '../store-groupkey.js';
import { readContent, storeEncrypted } from '../../ops/content.js';
import { FsKeyIndex } from '../../rotate/key-index.js';
import { autoMetadata } from '../autometa.js';
import { metadataCommand } from './inspect.js';
import { describeObject } from '../../inspect/inspect.js';
import { fileError, readFileChecked } from '../../fsutil.js';
import { openOutputFile, type OutputFileOptions, type OutputSink } from '../output-file.js';
import { guardTerminal } from '../terminal-guard.js';
import { askYesNo } from '../confirm.js';
import {
  FsBlockStore,
  detectStoreLayout,
  type FsckResult,
  probeStoreLayout,
  hashOnlySink,
  hashToString,
  parseHash,
  BlockBufferPool,
  MAX_METADATA_TEXT_BYTES,
  type BlockSink,
  type FsBlockStoreOptions,
  type FsckProblem,
  type ReadableBlockStore,
} from '../../store/index.js';
import {
  BLOCK_SIZE,
  collectDeps,
  hashingTransform,
  objectDataHashes,
  writeTree,
  type WriteTreeOptions,
  type WriteTreeResult,
} from '../../tree/index.js';
import { collect } from '../args.js';
import { chooseFormat, formatGiven } from '../format-option.js';
import type { CliContext } from '../context.js';
import { info, printJson, printLine, warn, writeStdoutDone } from '../output.js';
import { checkStore, type StoreCheckResult } from '../../rotate/store-check.js';
import { createProgress, formatBytes, progressEnabled, type Progress } from '../progress.js';
import { s3ConnectionFor } from '../s3.js';
import type { S3BlockStore } from '../../store/s3/block-store.js';
import { fsckS3 } from '../../store/s3/fsck.js';
import { isS3Location } from '../../store/s3/layout.js';
import { registerTransfer } from './transfer.js';
import { existingStorePath, resolveStoreFormat, resolveStorePath } from '../settings.js';
import { checkNcqStore, type NcqProblem } from '../../store/ncq3/fsck.js';
import { NcqBlockStore } from '../../store/ncq3/store.js';
import { openReadableStore, openStore as openHbs2Store, type Hbs2Store } from '../../store/open.js';
import { checkNameOption, defaultPinName, pinStoredRoot } from './pin.js';
import { deleteBlocks, planDelete } from '../../pins/delete-plan.js';

// ---------------------------------------------------------------------------------------
// Shared helpers

/** Options every store command has. */
export interface StoreLocationOptions {
  prefix?: string;
}

/**
 * Opens the store a writing command should use (`-p`, `$HBS2_STORE`, config, default),
 * in whichever layout it holds. A store that does not exist is created in the layout of
 * `--format` (or the config's `store-format`, else NCQ3), and said so once on stderr.
 */
export async function openStore(
  ctx: CliContext,
  prefix?: string,
  opts: { format?: string; simple?: FsBlockStoreOptions } = {},
): Promise<Hbs2Store> {
  const location = await resolveStorePath(ctx, prefix);
  const store = await openHbs2Store(location, {
    write: true,
    createFormat: await resolveStoreFormat(ctx, opts.format),
    s3: await s3ConnectionFor(ctx, location),
    simple: { syncParallelism: BLOCK_FSYNCS_AT_ONCE, ...opts.simple },
  });
  if (opts.format !== undefined && !store.created && store.layout !== opts.format)
    warn(
      `--format ${opts.format} applies to new stores; ${store.location} stays ${store.layout === 'ncq3' ? 'NCQ3' : 'a simple-layout store'} (\`hbs2 store migrate\` converts it)`,
    );
  if (!store.created) return store;
  // Said once the store exists: a command that fails before writing creates nothing.
  return {
    ...store,
    close: async () => {
      await store.close();
      if ((await probeStoreLayout(store.location)) === null) return;
      info(
        store.layout === 'ncq3'
          ? `created an NCQ3 store (hbs2 0.25's layout) at ${store.location}`
          : `created a simple-layout store (one file per block, hbs2 0.24's) at ${store.location}`,
      );
    },
  };
}

/**
 * Blocks in flight against an S3 store (reads ahead, writes pending): each request waits
 * a round trip, so more of them than local fsyncs keep the link busy; 24 blocks are 6 MiB.
 */
const S3_BLOCKS_IN_FLIGHT = 24;

/**
 * Block files fsynced at once by writing commands: bin/hbs2.js sizes libuv's thread pool
 * at 16, so four threads stay free for reading the input and writing the next blocks.
 */
const BLOCK_FSYNCS_AT_ONCE = 12;

/** Opens the store a reading command should use, in whichever layout it holds. */
export async function openReadStore(
  ctx: CliContext,
  prefix?: string,
  simple: FsBlockStoreOptions = {},
): Promise<ReadableBlockStore> {
  const location = await existingStorePath(ctx, prefix);
  // A pool asked for serves whichever layout the store holds.
  return openReadableStore(location, simple, await s3ConnectionFor(ctx, location), {
    readBuffers: simple.readBuffers,
  });
}

/** Parses a hash argument; the error names the argument (exit 3). */
export function parseHashArg(text: string, name = 'hash argument'): Uint8Array {
  return parseHash(text, `${name} '${text}'`);
}

/** An input to read: a file, or stdin for `-` / nothing. */
export interface Input {
  /** Pieces of the input, in order; each is valid only until the next is asked for. */
  source: AsyncIterable<Uint8Array>;
  /** Size in bytes when known (regular files). */
  size?: number;
  /** The file name, or null for stdin. */
  file: string | null;
  /**
   * Regular files opened with `rereadable`: the same descriptor read again from the
   * start (a second pass that cannot be redirected to another file). Closes it at the end.
   */
  again?: () => AsyncIterable<Uint8Array>;
  /** Closes the file early (after a failure); reading to the end closes it too. */
  close(): Promise<void>;
}

/**
 * Opens FILE (or stdin for `-` or undefined) as a stream of pieces. Pipes, FIFOs and
 * devices are read exactly once; a regular file opened `rereadable` can be read twice.
 */
export async function openInput(
  file: string | undefined,
  opts: { rereadable?: boolean } = {},
): Promise<Input> {
  if (file === undefined || file === '-') {
    if (file === undefined && process.stdin.isTTY)
      throw new UsageError('no input: give a FILE, or - to read standard input');
    return {
      source: process.stdin as AsyncIterable<Uint8Array>,
      file: null,
      close: async () => undefined,
    };
  }
  let fh: fs.FileHandle;
  let size: number;
  let regular: boolean;
  try {
    fh = await fs.open(file, 'r');
    const st = await fh.stat();
    if (st.isDirectory()) {
      await fh.close();
      throw new UsageError(`${file}: is a directory, expected a file`);
    }
    size = st.size;
    regular = st.isFile();
  } catch (e) {
    throw fileError(e, file);
  }
  // One buffer for the whole file: the chunker copies every piece into its own blocks.
  const buf = new Uint8Array(INPUT_READ_SIZE);
  const fd = fh.fd;
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await fh.close();
  };
  // A regular file is read synchronously, at explicit positions: a read from the page
  // cache takes tens of microseconds, far less than a round trip through libuv's thread
  // pool, and one read at a time through that pool kept the hashing workers waiting.
  // Pipes and devices, which can block, are read asynchronously.
  async function* read(closeAtEnd: boolean): AsyncIterable<Uint8Array> {
    let position = 0;
    try {
      while (true) {
        let n;
        try {
          n = regular
            ? readSync(fd, buf, 0, buf.length, position)
            : (await fh.read(buf, 0, buf.length, null)).bytesRead;
        } catch (e) {
          throw fileError(e, file!);
        }
        if (n === 0) return;
        position += n;
        yield buf.subarray(0, n);
      }
    } finally {
      if (closeAtEnd) await close();
    }
  }
  // Files that report size 0 but are not empty (/proc, sysfs) cannot be relied on to
  // give the same bytes twice: they are read once, like a pipe.
  const twice = regular && size > 0 && opts.rereadable === true;
  return {
    source: read(!twice),
    size: regular ? size : undefined,
    file,
    ...(twice ? { again: () => read(true) } : {}),
    close,
  };
}

/** Bytes read from an input file at a time (four blocks: fewer system calls). */
const INPUT_READ_SIZE = 4 * BLOCK_SIZE;

/** stdout as a sink; a closed pipe ends the command (StdoutClosedError). */
function stdoutSink(): OutputSink {
  return { write: writeStdoutDone, commit: async () => {}, abort: async () => {} };
}

/** Runs `body` with a sink for `-o FILE` or stdout, committing or aborting it. */
async function withOutput(
  output: string | undefined,
  opts: OutputFileOptions,
  body: (sink: OutputSink) => Promise<void>,
): Promise<void> {
  const sink =
    output !== undefined && output !== '-'
      ? openOutputFile(output, opts)
      : guardTerminal(stdoutSink(), output);
  try {
    await body(sink);
  } catch (e) {
    await sink.abort();
    throw e;
  }
  await sink.commit();
}

async function withProgress<T>(
  ctx: CliContext,
  flag: boolean | undefined,
  label: string,
  total: number | undefined,
  body: (p: Progress) => Promise<T>,
): Promise<T> {
  const p = createProgress({ label, total, enabled: await progressEnabled(ctx, flag) });
  try {
    return await body(p);
  } finally {
    p.finish();
  }
}

// ---------------------------------------------------------------------------------------
// store

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

/**
 * Streams `input` into `sink` as a plain tree (with the given writer options) and
 * returns the result; shared by `store` and `hash --tree`, and by encrypted stores.
 */
export async function writeInput(
  ctx: CliContext,
  input: Input,
  sink: BlockSink,
  opts: { progress?: boolean; label: string; writer?: WriteTreeOptions },
): Promise<WriteTreeResult> {
  // Big files are hashed in worker threads while this thread reads and writes files;
  // standard input, of unknown size and often small, is hashed here.
  const runner = input.size === undefined ? inlineRunner() : runnerFor(input.size);
  try {
    return await withProgress(ctx, opts.progress, opts.label, input.size, (p) =>
      writeTree(sink, input.source, {
        transform: runner.parallelism > 1 ? hashingTransform(runner) : undefined,
        // A put resolves once its block is fsynced: enough in flight to keep every
        // pooled fsync busy while the next blocks are read and hashed.
        parallelism: Math.max(BLOCK_FSYNCS_AT_ONCE + 4, runner.parallelism * 4),
        ...opts.writer,
        onProgress: (bytes, blocks) => {
          p.update(bytes);
          opts.writer?.onProgress?.(bytes, blocks);
        },
      }),
    );
  } finally {
    await runner.close();
  }
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
    // As hbs2's `store --init`: the simple layout's blocks/ and its 58 subdirectories;
    // for NCQ3 the directory hbs2-peer itself creates on start (ncq3/0).
    const store = await openStore(ctx, opts.prefix, { format: opts.format });
    if (store.blocks instanceof FsBlockStore) await store.blocks.init();
    else if (store.layout === 'ncq3')
      await fs.mkdir(path.join(store.location, 'ncq3', '0'), { recursive: true });
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
      const res = await withProgress(ctx, opts.progress, 'store', input.size, (p) =>
        storeEncrypted(store.blocks, input.source, {
          groupKey: gk,
          keyrings,
          keyIndex: new FsKeyIndex(store.location),
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
  if (meta !== undefined) {
    const res = await withProgress(ctx, opts.progress, 'store', input.size, (p) =>
      writeAnnotatedTree(
        store.blocks,
        input.source,
        { kind: 'short', text: meta },
        { onProgress: (bytes) => p.update(bytes) },
      ),
    );
    return finishStore(store, res.annotation, file, opts);
  }
  const res = await writeInput(ctx, input, store.blocks, {
    progress: opts.progress,
    label: 'store',
  });
  return finishStore(store, res.root, file, opts);
}

// ---------------------------------------------------------------------------------------
// cat

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
    withProgress(ctx, opts.progress, 'cat', total, async (p) => {
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

// ---------------------------------------------------------------------------------------
// hash

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
  if (opts.tree) {
    const res = await writeInput(ctx, input, hashOnlySink, {
      progress: opts.progress,
      label: 'hash',
    });
    await printHash(hashToString(res.root), 'tree', opts.json);
    return;
  }
  const h = crypto().blake2b256Stream();
  for await (const piece of input.source) h.update(piece);
  await printHash(hashToString(h.digest()), 'blake2b-256', opts.json);
}

async function printHash(hash: string, kind: 'tree' | 'blake2b-256', json?: boolean) {
  if (json) await printJson({ hash, kind });
  else await printLine(hash);
}

// ---------------------------------------------------------------------------------------
// deps

/** Options of `deps`. */
export interface DepsCommandOptions extends StoreLocationOptions {
  json?: boolean;
}

/**
 * `deps HASH`: every block the object needs, one per line, each once. Missing blocks
 * are warned about on stderr and make the exit code 6 after the listing.
 */
export async function depsCommand(
  ctx: CliContext,
  hashArg: string,
  opts: DepsCommandOptions,
): Promise<void> {
  const hash = parseHashArg(hashArg);
  const store = await openReadStore(ctx, opts.prefix);
  const missing: string[] = [];
  const all: { hash: string; role: string; present: boolean }[] = [];
  for await (const d of collectDeps(store, hash)) {
    const name = hashToString(d.hash);
    if (d.role === 'root' && !d.present) throw new NotFoundError(`block ${name} not found`);
    if (opts.json) all.push({ hash: name, role: d.role, present: d.present });
    else if (d.present) await printLine(name);
    if (!d.present) {
      missing.push(name);
      if (!opts.json) process.stderr.write(`hbs2: warning: ${d.role} block ${name} is missing\n`);
    }
  }
  if (opts.json) await printJson(all);
  if (missing.length > 0)
    throw new NotFoundError(
      `${missing.length} block${missing.length === 1 ? '' : 's'} of ${hashArg} missing (first: ${missing[0]})`,
    );
}

// ---------------------------------------------------------------------------------------
// del

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

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

// ---------------------------------------------------------------------------------------
// fsck

/** Options of `fsck`. */
export interface FsckCommandOptions extends StoreLocationOptions {
  repair?: boolean;
  json?: boolean;
  progress?: boolean;
}

function problemLine(p: FsckProblem): string {
  const action = p.action === 'none' ? '' : ` [${p.action}]`;
  const block = p.hash ? ` (block ${p.hash})` : '';
  return `${p.kind} ${p.path}${block}: ${p.detail}${action}`;
}

/**
 * `fsck` of an NCQ3 store. Without `--repair` it is read-only (no lock, nothing written);
 * a torn tail of a pending file, or a file no state lists, is reported but is not a
 * failure: hbs2 drops those unacknowledged bytes itself. `--repair` takes the lock and does
 * what hbs2-peer does at its start (torn tails cut at their last tail record, pending files
 * indexed) and what its sweeper does (unlisted files and temp files deleted).
 */
async function fsckNcqCommand(prefix: string, opts: FsckCommandOptions): Promise<void> {
  const found = await checkNcqStore(prefix);
  let r = found;
  if (opts.repair) {
    const ncq = await NcqBlockStore.open(prefix, { write: true });
    try {
      await ncq.writingSession.sweep();
    } finally {
      await ncq.close();
    }
    r = await checkNcqStore(prefix);
  }
  const failures = r.problems.filter((p) => p.integrity).length;
  const remains = (p: NcqProblem) =>
    r.problems.some((q) => q.kind === p.kind && q.path === p.path && q.offset === p.offset);
  if (opts.json)
    await printJson({
      store: path.resolve(prefix),
      layout: 'ncq3',
      ...r,
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
      `checked ${r.files} NCQ3 data file${r.files === 1 ? '' : 's'}, ${r.sections} sections, ` +
        `${r.blocks} blocks verified: ${failures} problem${failures === 1 ? '' : 's'}`,
    );
  }
  if (failures > 0)
    throw new IntegrityError(
      `store check failed: ${failures} problem${failures === 1 ? '' : 's'} in ${prefix}`,
    );
}

/**
 * `fsck [--repair]`: one line per problem and a summary; exit 4 when a problem remains
 * (with `--repair`, every repaired problem still prints but no longer fails).
 */
export async function fsckCommand(ctx: CliContext, opts: FsckCommandOptions): Promise<void> {
  const prefix = await existingStorePath(ctx, opts.prefix);
  if ((await detectStoreLayout(prefix)) === 'ncq3') {
    await fsckNcqCommand(prefix, opts);
    return;
  }
  const s3 = await s3ConnectionFor(ctx, prefix);
  const progress = createProgress({
    label: 'fsck: files checked',
    unit: 'items',
    enabled: await progressEnabled(ctx, opts.progress),
  });
  let r: FsckResult | StoreCheckResult;
  try {
    // A local store's check covers its key index (group keys by id); an S3 store's index
    // is objects whose names are checked when they are read.
    r = s3
      ? await fsckS3((await openHbs2Store(prefix, { s3 })).blocks as S3BlockStore, opts)
      : await checkStore(prefix, { repair: opts.repair, onFile: (n) => progress.update(n) });
  } finally {
    progress.finish();
  }
  if (!s3) {
    const { keyIndexProblem, keyIndexRebuilt: n } = r as StoreCheckResult;
    if (n !== undefined)
      info(
        `key index: ${n} group key${n === 1 ? '' : 's'} indexed${keyIndexProblem ? ' (the corrupt index was moved to quarantine/)' : ''}`,
      );
    else if (keyIndexProblem) await printLine(`key index: ${keyIndexProblem}`);
  }
  // Stale temp files are warnings (an interrupted command), not problems of the store.
  const stale = r.problems.filter((p) => p.kind === 'stale-temp');
  const problems = r.problems.filter((p) => p.kind !== 'stale-temp');
  const repaired = problems.filter((p) => p.action !== 'none').length;
  const summary =
    `checked ${r.checked} file${r.checked === 1 ? '' : 's'}: ${r.ok} ok, ` +
    `${problems.length} problem${problems.length === 1 ? '' : 's'}` +
    (opts.repair ? `, ${repaired} repaired` : '') +
    (stale.length > 0
      ? `, ${stale.length} stale temp file${stale.length === 1 ? '' : 's'}` +
        (opts.repair ? ' removed' : '')
      : '');
  if (opts.json)
    await printJson({
      store: s3 ? prefix : path.resolve(prefix),
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
      `store check failed: ${r.unrepaired} problem${r.unrepaired === 1 ? '' : 's'} in ${prefix}`,
      {
        hint: opts.repair
          ? undefined
          : 'run `hbs2 fsck --repair` to quarantine bad blocks and remove stale temp files',
      },
    );
}

// ---------------------------------------------------------------------------------------
// registration

const PREFIX_FLAGS = '-p, --prefix <dir>';
const PREFIX_HELP = 'store directory (default: $HBS2_STORE, config `store`, ~/.local/share/hbs2)';

/** Registers `store`, `cat`, `hash`, `deps`, `del`, `fsck`. */
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

  program
    .command('deps')
    .description('every block an object depends on, one hash per line, each once')
    .argument('<hash>', 'base58 hash of the object')
    .option(PREFIX_FLAGS, PREFIX_HELP)
    .option('--json', 'print [{hash, role, present}] as JSON')
    .addHelpText('after', '\nExample:\n  hbs2 deps FMqApxg8fAWSnamHHwHX3hCSXvDFZe1UoqpPmfeCvtu9')
    .action(async (hash: string, opts: DepsCommandOptions) => {
      await depsCommand(ctx, hash, opts);
    });

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
