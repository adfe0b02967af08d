/**
 * Storing and reading (spec/cli.md "Storing and reading"): `store`, `cat`, `hash`,
 * `deps`, `del`, `fsck`. Each command is one exported action function taking parsed
 * options, so encryption and metadata options can be layered on without touching the
 * others.
 */
import type { Command } from 'commander';
import { promises as fs, readSync } from 'node:fs';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { crypto } from '../../crypto/index.js';
import { FormatError, IntegrityError, NotFoundError, UsageError } from '../../errors.js';
import { decodeBase58 } from '../../codec/base58.js';
import { openGroupKey } from '../../groupkey/index.js';
import { inlineRunner, runnerFor } from '../../parallel/pool.js';
import { StoreNonceBuilder } from '../../tree/encrypt.js';
import { writeAnnotatedTree, writeEncryptedTree } from '../../tree/encrypted-tree.js';
import { keyringSources, readGroupKeyFile, storeDecryptor, storeGroupKey } from '../encryption.js';
import { autoMetadata } from '../autometa.js';
import { metadataCommand } from './inspect.js';
import { fileError, fsyncDir, readFileChecked, tempPathFor } from '../../fsutil.js';
import {
  FsBlockStore,
  fsck,
  hashOnlySink,
  hashToString,
  parseHash,
  BlockBufferPool,
  MAX_METADATA_TEXT_BYTES,
  type BlockSink,
  type FsBlockStoreOptions,
  type FsckProblem,
} from '../../store/index.js';
import {
  BLOCK_SIZE,
  chunkBytes,
  collectDeps,
  hashingTransform,
  objectDataHashes,
  readObject,
  writeTree,
  type Decryptor,
  type WriteTreeOptions,
  type WriteTreeResult,
} from '../../tree/index.js';
import { collect } from '../args.js';
import type { CliContext } from '../context.js';
import { info, printJson, printLine, writeStdoutDone } from '../output.js';
import { checkKeyIndex, rebuildKeyIndex } from '../../rotate/key-index-rebuild.js';
import { createProgress, progressEnabled, type Progress } from '../progress.js';
import { resolveStorePath } from '../settings.js';

// ---------------------------------------------------------------------------------------
// Shared helpers

/** Options every store command has. */
export interface StoreLocationOptions {
  prefix?: string;
}

/** Opens the block store the command should use (`-p`, `$HBS2_STORE`, config, default). */
export async function openStore(
  ctx: CliContext,
  prefix?: string,
  opts: FsBlockStoreOptions = {},
): Promise<FsBlockStore> {
  return new FsBlockStore(await resolveStorePath(ctx, prefix), opts);
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
}

/** Opens FILE (or stdin for `-` or undefined) as a stream of pieces. */
export async function openInput(file: string | undefined): Promise<Input> {
  if (file === undefined || file === '-') {
    if (file === undefined && process.stdin.isTTY)
      throw new UsageError('no input: give a FILE, or - to read standard input');
    return { source: process.stdin as AsyncIterable<Uint8Array>, file: null };
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
  // A regular file is read synchronously: a read from the page cache takes tens of
  // microseconds, far less than a round trip through libuv's thread pool, and one read
  // at a time through that pool kept the hashing workers waiting. Pipes and devices,
  // which can block, are read asynchronously.
  const readSome = regular
    ? async () => readSync(fd, buf, 0, buf.length, null)
    : async () => (await fh.read(buf, 0, buf.length, null)).bytesRead;
  async function* read(): AsyncIterable<Uint8Array> {
    try {
      while (true) {
        let n;
        try {
          n = await readSome();
        } catch (e) {
          throw fileError(e, file!);
        }
        if (n === 0) return;
        yield buf.subarray(0, n);
      }
    } finally {
      await fh.close();
    }
  }
  return { source: read(), size, file };
}

/** The size of FILE when it is a regular file (undefined for stdin and anything odd). */
async function sizeOf(file: string | undefined): Promise<number | undefined> {
  if (file === undefined || file === '-') return undefined;
  try {
    const st = await fs.stat(file);
    return st.isFile() ? st.size : undefined;
  } catch {
    return undefined; // openInput reports the error in its place
  }
}

/** Bytes read from an input file at a time (four blocks: fewer system calls). */
const INPUT_READ_SIZE = 4 * BLOCK_SIZE;

/** Destination of `cat`: stdout, or a file written atomically on success. */
export interface OutputSink {
  write(data: Uint8Array): Promise<void>;
  /** Makes the output final (renames the temp file into place). */
  commit(): Promise<void>;
  /** Drops a partial output (removes the temp file). */
  abort(): Promise<void>;
}

/** stdout with back-pressure; a closed pipe (EPIPE) ends the output quietly. */
function stdoutSink(): OutputSink {
  let closed = false;
  const onError = (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') closed = true;
  };
  process.stdout.on('error', onError);
  return {
    async write(data) {
      if (closed) return;
      try {
        await writeStdoutDone(data);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EPIPE') throw e;
        closed = true;
      }
    },
    async commit() {
      process.stdout.off('error', onError);
    },
    async abort() {
      process.stdout.off('error', onError);
    },
  };
}

/**
 * A file opened only on the first write, as a temp file beside the target; `commit`
 * fsyncs and renames it, so a failure never leaves a partial or empty output.
 */
export function fileSink(target: string): OutputSink {
  const tmp = tempPathFor(path.resolve(target));
  let fh: fs.FileHandle | undefined;
  const open = async (): Promise<fs.FileHandle> => {
    try {
      return (fh ??= await fs.open(tmp, 'wx', 0o644));
    } catch (e) {
      throw fileError(e, target);
    }
  };
  return {
    async write(data) {
      const h = await open();
      try {
        await h.write(data);
      } catch (e) {
        throw fileError(e, target);
      }
    },
    async commit() {
      const h = await open();
      try {
        await h.sync();
        await h.close();
        fh = undefined;
        await fs.rename(tmp, target);
      } catch (e) {
        await this.abort();
        throw fileError(e, target);
      }
      await fsyncDir(path.dirname(path.resolve(target)));
    },
    async abort() {
      await fh?.close().catch(() => undefined);
      fh = undefined;
      await fs.unlink(tmp).catch(() => undefined);
    },
  };
}

/** Runs `body` with a sink for `-o FILE` or stdout, committing or aborting it. */
async function withOutput(
  output: string | undefined,
  body: (sink: OutputSink) => Promise<void>,
): Promise<void> {
  const sink = output !== undefined && output !== '-' ? fileSink(output) : stdoutSink();
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
  meta?: string;
  metaFile?: string;
  autoMeta?: boolean;
  shortMetaBase58?: string;
  /** Use a random tree nonce instead of hbs2's content-derived one. */
  randomNonce?: boolean;
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
        parallelism: Math.max(8, runner.parallelism * 4),
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

/** hbs2's store -g nonce for a file (one extra read pass), or a random one for stdin. */
async function treeNonce(
  file: string | undefined,
  random: boolean | undefined,
): Promise<Uint8Array> {
  if (random || file === undefined || file === '-') return crypto().randomBytes(32);
  const input = await openInput(file);
  const nb = new StoreNonceBuilder();
  // Each chunk is used at once, so one buffer goes round (no 256 KiB garbage per chunk).
  const buffers = new BlockBufferPool(BLOCK_SIZE, 1);
  for await (const chunk of chunkBytes(input.source, BLOCK_SIZE, 0, buffers)) {
    nb.addChunk(chunk);
    buffers.release(chunk);
  }
  return nb.finish();
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
  const meta = await metadataText(file, opts);
  const store = await openStore(ctx, opts.prefix);
  if (opts.groupkey !== undefined) {
    // Started first: the workers boot while the key is opened and the nonce pass reads.
    const runner = runnerFor(await sizeOf(file));
    try {
      const gk = await readGroupKeyFile(opts.groupkey);
      const opened = openGroupKey(gk, await keyringSources(ctx, opts.keyring));
      const nonceS = await treeNonce(file, opts.randomNonce);
      const input = await openInput(file);
      const groupKeyHash = await storeGroupKey(store, gk);
      const res = await withProgress(ctx, opts.progress, 'store', input.size, (p) =>
        writeEncryptedTree(
          store,
          input.source,
          { secret: opened.secret, groupKeyHash, nonceS, metadata: meta, runner },
          {
            onProgress: (bytes) => p.update(bytes),
            parallelism: Math.max(8, runner.parallelism * 4),
          },
        ),
      );
      await store.flush();
      await printLine(hashToString(res.annotation));
      return res.annotation;
    } finally {
      await runner.close();
    }
  }
  if (opts.keyring !== undefined && opts.keyring.length > 0)
    throw new UsageError('-k is only used with -g GROUPKEY');
  const input = await openInput(file);
  if (meta !== undefined) {
    const res = await withProgress(ctx, opts.progress, 'store', input.size, (p) =>
      writeAnnotatedTree(
        store,
        input.source,
        { kind: 'short', text: meta },
        { onProgress: (bytes) => p.update(bytes) },
      ),
    );
    await store.flush();
    await printLine(hashToString(res.annotation));
    return res.annotation;
  }
  const res = await writeInput(ctx, input, store, { progress: opts.progress, label: 'store' });
  await store.flush();
  await printLine(hashToString(res.root));
  return res.root;
}

// ---------------------------------------------------------------------------------------
// cat

/** Options of `cat`. */
export interface CatOptions extends StoreLocationOptions {
  output?: string;
  hashesOnly?: boolean;
  raw?: boolean;
  progress?: boolean;
  /** Decryption for encrypted trees (added by the encryption options). */
  decryptor?: Decryptor;
  /** `-k`: keyrings to open encrypted content. */
  keyring?: string[];
  metadata?: boolean;
  json?: boolean;
  yaml?: boolean;
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
  const hash = parseHashArg(hashArg);
  // Encrypted data blocks are read into recycled buffers (given back below once written),
  // so streaming a big tree does not leave a trail of garbage for the GC.
  const readBuffers = new BlockBufferPool(BLOCK_SIZE + 64);
  const store = await openStore(ctx, opts.prefix, { readBuffers, syncReads: true });
  if (opts.metadata) {
    await metadataCommand(ctx, store, hash, opts);
    return;
  }
  if (opts.hashesOnly) {
    for await (const h of objectDataHashes(store, hash)) await printLine(hashToString(h));
    return;
  }
  if (opts.raw) {
    const block = await store.get(hash);
    if (!block) throw new NotFoundError(`block ${hashArg} not found`);
    await withOutput(opts.output, (sink) => sink.write(block));
    return;
  }
  await withOutput(opts.output, (sink) =>
    withProgress(ctx, opts.progress, 'cat', undefined, async (p) => {
      let done = 0;
      const decryptor =
        opts.decryptor ?? storeDecryptor(store, await keyringSources(ctx, opts.keyring));
      for await (const block of readObject(store, hash, { decryptor })) {
        await sink.write(block);
        done += block.length;
        p.update(done);
        readBuffers.release(block);
      }
    }),
  );
}

// ---------------------------------------------------------------------------------------
// hash

/** Options of `hash`. */
export interface HashOptions {
  tree?: boolean;
  progress?: boolean;
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
    await printLine(hashToString(res.root));
    return;
  }
  const h = crypto().blake2b256Stream();
  for await (const piece of input.source) h.update(piece);
  await printLine(hashToString(h.digest()));
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
  const store = await openStore(ctx, opts.prefix);
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
  yes?: boolean;
  keep?: string[];
}

/** Asks yes/no questions on stderr, reading answers line by line from stdin. */
function confirmer(): { ask(q: string): Promise<boolean>; close(): void } {
  let rl: ReturnType<typeof createInterface> | undefined;
  let lines: AsyncIterator<string> | undefined;
  return {
    async ask(q) {
      process.stderr.write(q);
      rl ??= createInterface({ input: process.stdin, terminal: false });
      lines ??= rl[Symbol.asyncIterator]();
      const r = await lines.next();
      // End of input means no.
      return !r.done && /^y(es)?$/i.test(r.value.trim());
    },
    close() {
      rl?.close();
    },
  };
}

/**
 * `del [-r] HASH...`: deletes blocks, asking per block unless `-y`. With `-r` the objects
 * and every block they depend on, except blocks any `--keep ROOT` needs; the roots are
 * deleted last so an interrupted run can be repeated.
 */
export async function delCommand(
  ctx: CliContext,
  hashArgs: string[],
  opts: DelOptions,
): Promise<void> {
  const roots = hashArgs.map((a) => parseHashArg(a));
  const keepRoots = (opts.keep ?? []).map((a) => parseHashArg(a, '--keep argument'));
  const store = await openStore(ctx, opts.prefix);
  const targets: Uint8Array[] = [];
  const seen = new Set<string>();
  const add = (h: Uint8Array) => {
    const k = hashToString(h);
    if (!seen.has(k)) {
      seen.add(k);
      targets.push(h);
    }
  };
  for (const [i, root] of roots.entries()) {
    if (!(await store.has(root))) throw new NotFoundError(`block ${hashArgs[i]} not found`);
    if (!opts.recursive) {
      add(root);
      continue;
    }
    const deps: Uint8Array[] = [];
    for await (const d of collectDeps(store, root)) if (d.present) deps.push(d.hash);
    for (const h of deps.reverse()) add(h);
  }
  const kept = new Set<string>();
  for (const k of keepRoots)
    for await (const d of collectDeps(store, k)) kept.add(hashToString(d.hash));
  const ask = opts.yes ? undefined : confirmer();
  try {
    for (const h of targets) {
      const name = hashToString(h);
      if (kept.has(name)) continue;
      if (ask && !(await ask.ask(`delete block ${name}? [y/N] `))) continue;
      if (await store.del(h)) await printLine(`deleted ${name}`);
    }
  } finally {
    ask?.close();
    await store.flush();
  }
}

// ---------------------------------------------------------------------------------------
// fsck

/** Options of `fsck`. */
export interface FsckCommandOptions extends StoreLocationOptions {
  repair?: boolean;
  json?: boolean;
}

function problemLine(p: FsckProblem): string {
  const action = p.action === 'none' ? '' : ` [${p.action}]`;
  const block = p.hash ? ` (block ${p.hash})` : '';
  return `${p.kind} ${p.path}${block}: ${p.detail}${action}`;
}

/**
 * `fsck [--repair]`: one line per problem and a summary; exit 4 when a problem remains
 * (with `--repair`, every repaired problem still prints but no longer fails).
 */
export async function fsckCommand(ctx: CliContext, opts: FsckCommandOptions): Promise<void> {
  const prefix = await resolveStorePath(ctx, opts.prefix);
  const r = await fsck(prefix, { repair: opts.repair });
  // The key index (group keys by id) is part of the store: check it, rebuild on --repair.
  const indexProblem = await checkKeyIndex(prefix);
  if (opts.repair) {
    const n = await rebuildKeyIndex(new FsBlockStore(prefix), prefix);
    info(
      `key index: ${n} group key${n === 1 ? '' : 's'} indexed${indexProblem ? ' (the corrupt index was moved to quarantine/)' : ''}`,
    );
  } else if (indexProblem) {
    await printLine(`key index: ${indexProblem}`);
    r.unrepaired++;
  }
  const repaired = r.problems.length - r.unrepaired;
  const summary =
    `checked ${r.checked} file${r.checked === 1 ? '' : 's'}: ${r.ok} ok, ` +
    `${r.problems.length} problem${r.problems.length === 1 ? '' : 's'}` +
    (opts.repair ? `, ${repaired} repaired` : '');
  if (opts.json)
    await printJson({
      store: path.resolve(prefix),
      checked: r.checked,
      ok: r.ok,
      problems: r.problems,
      unrepaired: r.unrepaired,
    });
  else {
    for (const p of r.problems) await printLine(problemLine(p));
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
    .option('-g, --groupkey <file>', 'encrypt for the members of this group key file')
    .option('-k, --keyring <file>', 'keyring whose entry opens the group key (repeatable)', collect)
    .option('--meta <text>', 'annotate the tree with this metadata text')
    .option('--meta-file <file>', 'annotate the tree with the text of this file')
    .option('--auto-meta', 'record file-name and mime-type as metadata')
    .option('--short-meta-base58 <b58>', 'metadata text given as base58 of its UTF-8 bytes')
    .option(
      '--random-nonce',
      'with -g: a random tree nonce (no deduplication, and equal files do not encrypt equally)',
    )
    .addHelpText(
      'after',
      '\nWith -g, blocks are encrypted deterministically as hbs2 does: the same file under the\n' +
        'same group key gives the same ciphertext, so equal files can be recognised as equal.\n' +
        'Use --random-nonce to avoid that (input from stdin always gets a random nonce).\n' +
        '\nExample:\n  hbs2 store photo.jpg\n  tar c dir | hbs2 store -\n' +
        '  hbs2 store -g team.gk -k me.key --meta "quarterly report" report.pdf',
    )
    .action(async (file: string | undefined, opts: StoreOptions) => {
      await storeCommand(ctx, file, opts);
    });

  program
    .command('cat')
    .description("write an object's content: a blob as is, a tree as its data")
    .argument('<hash>', 'base58 hash of the object')
    .option(PREFIX_FLAGS, PREFIX_HELP)
    .option('-o, --output <file>', 'write to FILE (atomically, only on success) instead of stdout')
    .option('-H, --hashes-only', 'print the data block hashes, one per line, in order')
    .option('-r, --raw', 'write the raw bytes of this one block')
    .option('--no-progress', 'no progress bar on stderr')
    .option(
      '-k, --keyring <file>',
      'keyring to decrypt with (repeatable; default: config keyrings)',
      collect,
    )
    .option('--metadata', 'describe the object (type, size, metadata, encryption) instead')
    .option('--json', 'with --metadata: print JSON')
    .option('--yaml', 'with --metadata: print YAML (the default)')
    .addHelpText(
      'after',
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
    .addHelpText('after', '\nExample:\n  hbs2 hash --tree photo.jpg')
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
    .option('-y, --yes', 'do not ask for each block')
    .option(
      '--keep <root>',
      'with -r: keep blocks this root needs (repeatable)',
      (v: string, acc: string[] = []) => [...acc, v],
    )
    .addHelpText(
      'after',
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
    .addHelpText('after', '\nExample:\n  hbs2 fsck --repair')
    .action(async (opts: FsckCommandOptions) => {
      await fsckCommand(ctx, opts);
    });
}
